// tests/core/join_all_test.cpp: join_all(range): outputs in input order, O(n) child polls for
// n children, wakes from other threads, waker refcount balance, and dropping it mid-flight.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <thread>
#include <type_traits>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "weft/core/join_all.hpp"
#include "weft/core/ready.hpp"
#include "weft/core/yield_now.hpp"

namespace {

using weft::context;
using weft::test::counting_waker;
using weft::test::lifetime_log;
using weft::test::manual_event;

// Polls `f` on this thread until ready, sleeping between polls until a wake arrives.
template <weft::future F> weft::future_output_t<F> run_blocking(F& f) {
  auto flag = std::make_shared<std::atomic<std::uint32_t>>(0);
  weft::waker w = weft::make_waker([flag] {
    flag->store(1);
    flag->notify_one();
  });
  context cx(w);
  for (;;) {
    auto p = f.poll(cx);
    if (p.is_ready()) return p.take();
    flag->wait(0);
    flag->store(0);
  }
}

// A child that is pending until its event is set; counts every poll it receives.
auto counted_wait(manual_event& ev, long& polls, int value) {
  return weft::poll_fn([w = ev.wait(), &polls, value](context& cx) mutable -> weft::poll<int> {
    ++polls;
    if (w.poll(cx).is_pending()) return weft::pending;
    return weft::ready(value);
  });
}
using counted_wait_t = decltype(counted_wait(std::declval<manual_event&>(),
                                             std::declval<long&>(), 0));

std::vector<counted_wait_t> make_children(std::vector<manual_event>& evs, long& polls) {
  std::vector<counted_wait_t> children;
  children.reserve(evs.size());
  for (std::size_t i = 0; i < evs.size(); ++i) {
    children.push_back(counted_wait(evs[i], polls, static_cast<int>(i)));
  }
  return children;
}

TEST(JoinAllTest, OutputsComeInInputOrderWhateverTheCompletionOrder) {
  constexpr std::size_t n = 16;
  std::vector<manual_event> evs(n);
  long polls = 0;
  auto j = weft::join_all(make_children(evs, polls));
  weft::waker w = weft::noop_waker();
  context cx(w);
  EXPECT_TRUE(j.poll(cx).is_pending());
  for (std::size_t i = n; i-- > 1;) {
    evs[i].set();
    ASSERT_TRUE(j.poll(cx).is_pending());
  }
  evs[0].set();
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  std::vector<int> expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(p.take(), expected);
}

TEST(JoinAllTest, EmptyRangeIsReadyAtOnce) {
  std::vector<weft::ready_value<int>> none;
  auto j = weft::join_all(none);
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_TRUE(p.take().empty());
}

TEST(JoinAllTest, VoidChildrenGiveVoid) {
  std::vector<weft::yield_future> ys(10);
  counting_waker parent;  // declared first: it must outlive the join_all
  auto j = weft::join_all(ys);
  static_assert(std::is_void_v<decltype(j)::output>);
  {
    weft::waker w = parent.make_waker();
    context cx(w);
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_TRUE(j.poll(cx).is_ready());
  }
}

TEST(JoinAllTest, SelfWakingChildrenWakeTheParentOncePerBatch) {
  constexpr std::size_t n = 1000;
  std::vector<weft::yield_future> ys(n);
  counting_waker parent;  // declared first: it must outlive the join_all
  auto j = weft::join_all(ys);
  {
    weft::waker w = parent.make_waker();
    context cx(w);
    EXPECT_TRUE(j.poll(cx).is_pending());
    // n children woke themselves during the poll; the parent needs one wake, not n.
    EXPECT_EQ(parent.total_wakes(), 1);
    EXPECT_TRUE(j.poll(cx).is_ready());
  }
}

TEST(JoinAllTest, ChildPollsAreLinearWithManualTriggers) {
  constexpr std::size_t n = 100'000;
  constexpr std::size_t batch = 1000;
  std::vector<manual_event> evs(n);
  long polls = 0;
  counting_waker parent;
  {
    auto j = weft::join_all(make_children(evs, polls));
    weft::waker w = parent.make_waker();
    context cx(w);
    ASSERT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(polls, static_cast<long>(n));
    // Spurious polls: no child was woken, so no child is polled.
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(polls, static_cast<long>(n));
    std::optional<weft::poll<std::vector<int>>> done;
    for (std::size_t start = 0; start < n; start += batch) {
      for (std::size_t i = start; i < start + batch; ++i) evs[i].set();
      auto p = j.poll(cx);
      if (p.is_ready()) {
        ASSERT_EQ(start + batch, n) << "ready before every child was woken";
        done.emplace(std::move(p));
      }
    }
    ASSERT_TRUE(done.has_value());
    const std::vector<int> out = done->take();
    ASSERT_EQ(out.size(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], static_cast<int>(i));
  }
  // Each child: one first poll plus one poll after its single wake. O(n²) would be ~5e8.
  EXPECT_EQ(polls, static_cast<long>(2 * n));
  EXPECT_LE(polls, static_cast<long>(3 * n));
  // One parent wake per batch at most (the first push onto an empty ready stack wakes).
  EXPECT_LE(parent.total_wakes(), static_cast<long>(n / batch));
  EXPECT_TRUE(parent.balanced());
}

TEST(JoinAllTest, ChildPollsAreLinearWithWakesFromAnotherThread) {
  constexpr std::size_t n = 100'000;
  std::vector<manual_event> evs(n);
  long polls = 0;
  auto j = weft::join_all(make_children(evs, polls));

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));

  std::thread setter([&] {
    for (std::size_t k = 0; k < n; ++k) {
      evs[order[k]].set();
      if (k % 4096 == 0) std::this_thread::yield();
    }
  });
  const std::vector<int> out = run_blocking(j);
  setter.join();
  ASSERT_EQ(out.size(), n);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], static_cast<int>(i));
  // Each child is woken once: at most one poll before and one after that wake.
  EXPECT_LE(polls, static_cast<long>(2 * n));
  EXPECT_GE(polls, static_cast<long>(n));
}

TEST(JoinAllTest, ManyThreadsWakingTheSameChildrenRepeatedly) {
  // Every child is woken many times from several threads before it becomes ready; the
  // ready stack must link each node at most once and lose no wake.
  constexpr std::size_t n = 2000;
  constexpr int threads = 3;
  constexpr int rounds = 50;
  struct slot {
    std::atomic<int> hits{0};
    std::optional<weft::waker> w;  // written by the poller before `armed` is released
    std::atomic<bool> armed{false};
  };
  std::vector<slot> slots(n);
  std::atomic<bool> stop{false};
  long polls = 0;
  auto child = [&](std::size_t i) {
    return weft::poll_fn([&slots, &polls, i](context& cx) -> weft::poll<void> {
      ++polls;
      slot& s = slots[i];
      if (s.hits.load() >= threads * rounds) return weft::ready();
      if (!s.armed.load()) {
        s.w.emplace(cx.waker());
        s.armed.store(true);
      }
      return weft::pending;
    });
  };
  using child_t = decltype(child(0));
  std::vector<child_t> children;
  children.reserve(n);
  for (std::size_t i = 0; i < n; ++i) children.push_back(child(i));
  auto j = weft::join_all(std::move(children));

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int r = 0; r < rounds; ++r) {
        for (std::size_t i = 0; i < n; ++i) {
          slot& s = slots[i];
          while (!s.armed.load()) {
            if (stop.load()) return;
            std::this_thread::yield();
          }
          s.hits.fetch_add(1);
          s.w->wake_by_ref();  // the waker is never replaced once armed
        }
      }
    });
  }
  run_blocking(j);
  stop.store(true);
  for (auto& t : pool) t.join();
  for (auto& s : slots) EXPECT_EQ(s.hits.load(), threads * rounds);
  // Polls are bounded by wakes (n * threads * rounds) plus the first polls.
  EXPECT_LE(polls, static_cast<long>(n) * (threads * rounds + 1));
  for (auto& s : slots) s.w.reset();  // stale wakers, released after the join_all finished
}

TEST(JoinAllTest, WakerRefcountsBalanceAfterCompletion) {
  constexpr std::size_t n = 500;
  std::vector<manual_event> evs(n);
  long polls = 0;
  counting_waker parent;
  {
    auto j = weft::join_all(make_children(evs, polls));
    weft::waker w = parent.make_waker();
    context cx(w);
    ASSERT_TRUE(j.poll(cx).is_pending());
    for (auto& ev : evs) EXPECT_TRUE(ev.has_waker());
    for (auto& ev : evs) ev.set();
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.take().size(), n);
    for (auto& ev : evs) EXPECT_FALSE(ev.has_waker());  // each child waker was consumed
  }
  EXPECT_EQ(parent.wakes() + parent.wake_by_refs(), 1);
  EXPECT_TRUE(parent.balanced());
}

TEST(JoinAllTest, RepeatedWakesOfOneChildPollItOnce) {
  struct state {
    std::optional<weft::waker> w;
    int polls = 0;
    bool done = false;
  } st;
  auto f = weft::poll_fn([&st](context& cx) -> weft::poll<void> {
    ++st.polls;
    if (st.done) return weft::ready();
    st.w.emplace(cx.waker());
    return weft::pending;
  });
  std::vector<decltype(f)> children{f};
  auto j = weft::join_all(std::move(children));
  weft::waker w = weft::noop_waker();
  context cx(w);
  ASSERT_TRUE(j.poll(cx).is_pending());
  for (int i = 0; i < 10; ++i) st.w->wake_by_ref();
  EXPECT_TRUE(j.poll(cx).is_pending());
  EXPECT_EQ(st.polls, 2);
  EXPECT_TRUE(j.poll(cx).is_pending());  // no new wake: not polled
  EXPECT_EQ(st.polls, 2);
  st.done = true;
  std::move(*st.w).wake();
  st.w.reset();
  EXPECT_TRUE(j.poll(cx).is_ready());
  EXPECT_EQ(st.polls, 3);
}

TEST(JoinAllTest, LateWakeOfAFinishedChildIsHarmless) {
  std::optional<weft::waker> kept;
  manual_event slow;
  int quick_polls = 0;
  using fn_t = weft::poll_fn_future<std::function<weft::poll<void>(context&)>>;
  std::vector<fn_t> children;
  children.emplace_back([&](context& cx) -> weft::poll<void> {
    ++quick_polls;
    kept.emplace(cx.waker());  // keeps a clone past its own completion
    return weft::ready();
  });
  children.emplace_back([w = slow.wait()](context& cx) mutable { return w.poll(cx); });
  auto j = weft::join_all(std::move(children));
  weft::waker pw = weft::noop_waker();
  context cx(pw);
  ASSERT_TRUE(j.poll(cx).is_pending());
  kept->wake_by_ref();
  EXPECT_TRUE(j.poll(cx).is_pending());
  EXPECT_EQ(quick_polls, 1);  // finished: never polled again
  slow.set();
  EXPECT_TRUE(j.poll(cx).is_ready());
  std::move(*kept).wake();  // after completion too
  kept.reset();
}

TEST(JoinAllTest, DroppingMidFlightDropsChildrenAndStaleWakersStaySafe) {
  constexpr std::size_t n = 64;
  lifetime_log log;
  std::vector<manual_event> evs(n);
  counting_waker parent;
  {
    std::vector<weft::test::tracked<manual_event::wait_future>> children;
    children.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      children.push_back(weft::test::track(evs[i].wait(), log, static_cast<int>(i)));
    }
    auto j = weft::join_all(std::move(children));
    weft::waker w = parent.make_waker();
    context cx(w);
    ASSERT_TRUE(j.poll(cx).is_pending());
    evs[0].set();  // one child is woken and queued when the join_all dies
    EXPECT_EQ(log.live(), static_cast<long>(n));
  }
  EXPECT_EQ(log.live(), 0);
  // The events still hold clones of the dead join_all's child wakers: waking them is safe
  // (ASan checks) and must not wake the parent task, which no longer waits on anything.
  const long wakes_before = parent.total_wakes();
  std::thread t([&] {
    for (std::size_t i = 1; i < n; i += 2) evs[i].set();
  });
  for (std::size_t i = 2; i < n; i += 2) evs[i].set();
  t.join();
  EXPECT_EQ(parent.total_wakes(), wakes_before);
  EXPECT_TRUE(parent.balanced());
}

TEST(JoinAllTest, DroppingReleasesTheParentWakerWhileChildWakersLiveOn) {
  manual_event ev;
  counting_waker parent;
  {
    std::vector<manual_event::wait_future> children{ev.wait()};
    auto j = weft::join_all(std::move(children));
    weft::waker w = parent.make_waker();
    context cx(w);
    ASSERT_TRUE(j.poll(cx).is_pending());
    ASSERT_TRUE(ev.has_waker());
  }
  // The event keeps a child waker; the join_all is gone, so the parent's reference must be.
  EXPECT_EQ(parent.live(), 0);
  ev.set();
  EXPECT_EQ(parent.total_wakes(), 0);
  EXPECT_TRUE(parent.balanced());
}

TEST(JoinAllTest, RunsOnAnExecutorWithYieldingChildren) {
  weft::test::manual_executor ex;
  std::vector<weft::yield_future> ys(10'000);
  ex.spawn(weft::join_all(ys));
  EXPECT_EQ(ex.run_until_stalled(), 2u);  // one poll, one self-wake, one more poll
  EXPECT_EQ(ex.live_tasks(), 0u);
}

} // namespace

namespace {

// Regression: a child throwing while the join_all worked through its ready list dropped the
// rest of that list, leaving those children marked queued (never polled again). A child's
// exception now ends the join_all: every other child is destroyed before it propagates.
struct throw_when_set {
  manual_event* ev;
  struct boom {};
  weft::poll<int> poll(context& cx) {
    auto w = ev->wait();
    if (w.poll(cx).is_pending()) return weft::pending;
    throw boom{};
  }
};

TEST(JoinAllTest, AThrowingChildCancelsTheOthersBeforeItsExceptionPropagates) {
  std::vector<manual_event> evs(8);
  lifetime_log log;
  std::vector<weft::poll_fn_future<std::function<weft::poll<int>(context&)>>> children;
  for (std::size_t i = 0; i < evs.size(); ++i) {
    auto tracked = std::make_shared<decltype(weft::test::track(evs[i].wait(), log, 0))>(
        weft::test::track(evs[i].wait(), log, static_cast<int>(i)));
    if (i == 0) {
      children.emplace_back([&ev = evs[0]](context& cx) -> weft::poll<int> {
        return throw_when_set{&ev}.poll(cx);
      });
    } else {
      children.emplace_back([tracked](context& cx) -> weft::poll<int> {
        if (tracked->poll(cx).is_pending()) return weft::pending;
        return weft::ready(1);
      });
    }
  }
  auto all = weft::join_all(std::move(children));
  counting_waker cw;
  const weft::waker w = cw.make_waker();
  context cx(w);
  EXPECT_TRUE(all.poll(cx).is_pending());
  // Every child goes on the ready list (a stack: the thrower, set last, is polled first).
  for (std::size_t i = evs.size(); i-- > 0;) evs[i].set();
  EXPECT_THROW((void)all.poll(cx), throw_when_set::boom);
  EXPECT_EQ(log.live(), 0) << "children were left behind after the exception";
}

} // namespace
