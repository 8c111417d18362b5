// tests/stream/generator_test.cpp: async_generator: yields and awaits in order, laziness,
// exceptions (from the body and from an awaited future) reaching the consumer, dropping the
// generator at every suspension point with its live objects counted (and destroyed
// innermost first), nesting generators and tasks, adaptors over a generator, the budget.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "weft/stream.hpp"
#include "weft/task/task.hpp"

namespace {

namespace ws = weft::stream;
using weft::test::lifetime_log;
using weft::test::lifetime_token;
using weft::test::manual_event;
using weft::test::manual_executor;

template <class S> auto poll_once(S& s, weft::test::counting_waker& cw) {
  weft::waker w = cw.make_waker();
  weft::context cx(w);
  return s.poll_next(cx);
}

weft::async_generator<int> counted(int n, int* started) {
  ++*started;
  for (int i = 0; i < n; ++i) co_yield i;
}

TEST(AsyncGeneratorTest, IsLazyAndYieldsInOrder) {
  int started = 0;
  auto g = counted(3, &started);
  EXPECT_EQ(started, 0);
  weft::test::counting_waker cw;
  for (int i = 0; i < 3; ++i) {
    auto p = poll_once(g, cw);
    ASSERT_TRUE(p.is_ready() && p->has_value());
    EXPECT_EQ(**p, i);
  }
  EXPECT_EQ(started, 1);
  auto e = poll_once(g, cw);
  ASSERT_TRUE(e.is_ready());
  EXPECT_FALSE(e->has_value());
  EXPECT_TRUE(g.is_done());
  EXPECT_FALSE(poll_once(g, cw)->has_value());  // fused
}

weft::async_generator<std::string> awaiting(manual_event& a, manual_event& b) {
  co_yield "first";
  co_await a.wait();
  co_yield "second";
  co_await b.wait();
  co_await b.wait();  // already set: no suspension
  co_yield "third";
}

TEST(AsyncGeneratorTest, AwaitsFuturesBetweenYields) {
  manual_event a;
  manual_event b;
  auto g = awaiting(a, b);
  weft::test::counting_waker cw;
  EXPECT_EQ(*poll_once(g, cw).take(), "first");
  EXPECT_TRUE(poll_once(g, cw).is_pending());
  EXPECT_TRUE(a.has_waker());
  EXPECT_TRUE(poll_once(g, cw).is_pending());  // a spurious poll changes nothing
  a.set();
  EXPECT_EQ(cw.total_wakes(), 1);
  EXPECT_EQ(*poll_once(g, cw).take(), "second");
  EXPECT_TRUE(poll_once(g, cw).is_pending());
  b.set();
  EXPECT_EQ(*poll_once(g, cw).take(), "third");
  EXPECT_FALSE(poll_once(g, cw).take().has_value());
}

weft::task<int> child_task(manual_event& e, int v) {
  co_await e.wait();
  co_return v * 2;
}

weft::async_generator<int> nested(manual_event& e) {
  co_yield co_await child_task(e, 5);
  auto g2 = ws::iterate(100, [](int x) { return x + 1; }) | ws::take(2);
  while (auto v = co_await ws::next(g2)) co_yield *v;
}

TEST(AsyncGeneratorTest, AwaitsTasksAndOtherStreams) {
  manual_event e;
  manual_executor ex;
  std::vector<int> got;
  auto done = ex.spawn([](manual_event& ev, std::vector<int>& out) -> weft::task<void> {
    auto g = nested(ev);
    while (auto v = co_await ws::next(g)) out.push_back(*v);
  }(e, got));
  ex.run_until_stalled();
  EXPECT_TRUE(got.empty());
  e.set();
  ex.run_until_stalled();
  ASSERT_TRUE(done->has_value());
  EXPECT_EQ(got, (std::vector<int>{10, 100, 101}));
}

weft::async_generator<int> throws_after_one() {
  co_yield 1;
  throw std::runtime_error("generator failed");
}

TEST(AsyncGeneratorTest, ExceptionFromTheBodyReachesTheConsumer) {
  auto g = throws_after_one();
  weft::test::counting_waker cw;
  EXPECT_EQ(*poll_once(g, cw).take(), 1);
  EXPECT_THROW((void)poll_once(g, cw), std::runtime_error);
  EXPECT_TRUE(g.is_done());
  EXPECT_FALSE(poll_once(g, cw).take().has_value());  // ended after the exception
}

struct throwing_future {
  weft::poll<int> poll(weft::context&) { throw std::logic_error("leaf failed"); }
};

weft::async_generator<int> awaits_throwing(bool catch_it) {
  co_yield 1;
  if (catch_it) {
    bool caught = false;
    try {
      co_yield co_await throwing_future{};
    } catch (const std::logic_error&) {
      caught = true;  // no co_yield inside a handler
    }
    if (caught) co_yield -1;
  } else {
    co_yield co_await throwing_future{};
  }
  co_yield 2;
}

weft::task<void> failing_child(manual_event& e) {
  co_await e.wait();
  throw std::out_of_range("child failed");
}

weft::async_generator<int> awaits_failing_task(manual_event& e) {
  co_await failing_child(e);
  co_yield 0;
}

TEST(AsyncGeneratorTest, ExceptionFromAnAwaitedFutureReachesTheFrameOrTheConsumer) {
  manual_executor ex;
  auto caught = ex.spawn(awaits_throwing(true) | ws::collect());
  ex.run_until_stalled();
  ASSERT_TRUE(caught->has_value());
  EXPECT_EQ(**caught, (std::vector<int>{1, -1, 2}));

  auto task = [](weft::async_generator<int> g) -> weft::task<std::string> {
    try {
      while (co_await ws::next(g)) {
      }
    } catch (const std::exception& e) {
      co_return std::string(e.what());
    }
    co_return std::string("none");
  };
  auto uncaught = ex.spawn(task(awaits_throwing(false)));
  manual_event e;
  auto after_wait = ex.spawn(task(awaits_failing_task(e)));
  ex.run_until_stalled();
  e.set();  // the exception is thrown in a later poll, through the pending-leaf path
  ex.run_until_stalled();
  ASSERT_TRUE(uncaught->has_value());
  EXPECT_EQ(**uncaught, "leaf failed");
  ASSERT_TRUE(after_wait->has_value());
  EXPECT_EQ(**after_wait, "child failed");
}

/// A generator with live objects at each of its suspension points:
///   0 initial · 1 yield a · 2 await e1 (tracked future) · 3 yield b · 4 await e2 in a
///   scope · 5 yield in that scope · 6 yield after it · 7 end.
weft::async_generator<int> with_locals(lifetime_log& log, manual_event& e1, manual_event& e2) {
  lifetime_token a(log, 1);
  co_yield 1;
  lifetime_token b(log, 2);
  co_await weft::test::track(e1.wait(), log, 3);
  co_yield 2;
  {
    lifetime_token c(log, 4);
    co_await weft::test::track(e2.wait(), log, 5);
    co_yield 3;
  }
  co_yield 4;
}

TEST(AsyncGeneratorTest, DroppedAtEverySuspensionPointDestroysItsFrameCleanly) {
  // Expected live objects at each suspension point, and the destruction order of a drop
  // there (innermost first).
  const std::vector<long> live_at{0, 1, 3, 2, 4, 3, 2, 0};
  const std::vector<std::vector<int>> order_at{
      {}, {1}, {3, 2, 1}, {2, 1}, {5, 4, 2, 1}, {4, 2, 1}, {2, 1}, {2, 1}};
  for (std::size_t stop = 0; stop < live_at.size(); ++stop) {
    SCOPED_TRACE("dropped at suspension point " + std::to_string(stop));
    lifetime_log log;
    weft::test::counting_waker cw;
    {
      manual_event e1;
      manual_event e2;
      {
        auto g = with_locals(log, e1, e2);
        for (std::size_t i = 0; i < stop; ++i) {
          auto p = poll_once(g, cw);
          if (i == stop - 1) break;  // leave it suspended where this poll left it
          if (p.is_pending()) (e1.has_waker() ? e1 : e2).set();
        }
        EXPECT_EQ(log.live(), live_at[stop]);
      }
      EXPECT_EQ(log.live(), 0);
      if (stop < live_at.size() - 1) {
        const auto order = log.destroy_order();
        const auto& want = order_at[stop];
        ASSERT_GE(order.size(), want.size());
        EXPECT_EQ(std::vector<int>(order.end() - static_cast<long>(want.size()), order.end()),
                  want);
      }
    }
    EXPECT_TRUE(cw.balanced());  // every waker clone the frame made was released
  }
}

TEST(AsyncGeneratorTest, DroppedWhileItsTaskIsSuspendedInsideAnExecutor) {
  lifetime_log log;
  manual_event e1;
  manual_event e2;
  {
    manual_executor ex;
    auto out = ex.spawn(with_locals(log, e1, e2) | ws::map([](int x) { return x + 1; }) |
                        ws::collect());
    ex.run_until_stalled();
    EXPECT_EQ(log.live(), 3);  // suspended on e1
    EXPECT_FALSE(out->has_value());
  }  // the executor drops the task, which drops the pipeline and its generator
  EXPECT_EQ(log.live(), 0);
  e1.set();  // a late wake after the drop is harmless
}

TEST(AsyncGeneratorTest, FeedsAdaptors) {
  int started = 0;
  manual_executor ex;
  auto out = ex.spawn(counted(10, &started) | ws::filter([](int x) { return x % 3 == 0; }) |
                      ws::map([](int x) { return x * x; }) | ws::collect());
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<int>{0, 9, 36, 81}));
}

weft::async_generator<int> endless() {
  for (int i = 0;; ++i) co_yield i;
}

TEST(AsyncGeneratorTest, AYieldOnlyGeneratorYieldsToTheBudget) {
  manual_executor ex(4);
  auto out = ex.spawn(endless() | ws::take(50) | ws::fold(0, [](int a, int b) { return a + b; }));
  ex.step();
  EXPECT_FALSE(out->has_value());
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, 49 * 50 / 2);
}

TEST(AsyncGeneratorTest, MoveOnlyItems) {
  auto gen = []() -> weft::async_generator<std::unique_ptr<int>> {
    co_yield std::make_unique<int>(3);
    auto p = std::make_unique<int>(4);
    co_yield std::move(p);
  };
  auto out = [&] {
    manual_executor ex;
    auto o = ex.spawn(gen() | ws::map([](std::unique_ptr<int> p) { return *p; }) | ws::collect());
    ex.run_until_stalled();
    return **o;
  }();
  EXPECT_EQ(out, (std::vector<int>{3, 4}));
}

} // namespace
