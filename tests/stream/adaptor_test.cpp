// tests/stream/adaptor_test.cpp: every source and adaptor on the step-driven manual
// executor (deterministic): values, order, end of stream, what happens while the inner
// stream is pending, borrowing vs owning, and that next() loses nothing when dropped.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "stream_support.hpp"
#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "support/runtime_support.hpp"
#include "weft/runtime/runtime.hpp"
#include "weft/core/ready.hpp"
#include "weft/stream.hpp"
#include "weft/task/task.hpp"

namespace {

namespace ws = weft::stream;
using weft::test::manual_event;
using weft::test::manual_executor;
using weft::test::manual_feed;
using weft::test::manual_source;

/// Runs a future on a fresh manual executor until it stalls; returns its output (which
/// must be there).
template <class F> auto run(F f) {
  manual_executor ex;
  auto out = ex.spawn(std::move(f));
  ex.run_until_stalled();
  EXPECT_TRUE(out->has_value()) << "the future did not finish";
  return std::move(**out);
}

/// Polls a stream once with a counting waker.
template <class S> auto poll_once(S& s, weft::test::counting_waker& cw) {
  weft::waker w = cw.make_waker();
  weft::context cx(w);
  return s.poll_next(cx);
}

TEST(StreamAdaptorTest, PipelineMapsFiltersAndCollects) {
  std::vector<int> v{1, 2, 3, 4, 5, 6};
  auto out = run(ws::from_range(v) | ws::map([](int x) { return x * 10; }) |
                 ws::filter([](int x) { return x % 20 == 0; }) | ws::collect());
  EXPECT_EQ(out, (std::vector<int>{20, 40, 60}));
  EXPECT_EQ(v.size(), 6u);  // borrowed: the range is untouched
}

TEST(StreamAdaptorTest, FromRangeMovesOutOfAnOwnedRange) {
  std::vector<std::unique_ptr<int>> v;
  v.push_back(std::make_unique<int>(7));
  v.push_back(std::make_unique<int>(8));
  auto out = run(ws::from_range(std::move(v)) |
                 ws::map([](std::unique_ptr<int> p) { return *p; }) | ws::collect());
  EXPECT_EQ(out, (std::vector<int>{7, 8}));
}

TEST(StreamAdaptorTest, IterateAndRepeatWithAreEndlessUntilTaken) {
  auto pows = run(ws::iterate(1, [](int x) { return x * 2; }) | ws::take(5) | ws::collect());
  EXPECT_EQ(pows, (std::vector<int>{1, 2, 4, 8, 16}));
  int n = 0;
  auto counted = run(ws::repeat_with([&n] { return n++; }) | ws::take(3) | ws::collect());
  EXPECT_EQ(counted, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(n, 3);  // take does not poll past its n-th item
}

TEST(StreamAdaptorTest, TakeWhileStopsAtTheFirstFailure) {
  int polled = 0;
  auto s = ws::repeat_with([&polled] { return polled++; }) |
           ws::take_while([](int x) { return x < 4; });
  auto out = run(std::move(s) | ws::collect());
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(polled, 5);
}

TEST(StreamAdaptorTest, SkipDropsTheFirstItems) {
  auto out = run(ws::from_range(std::vector<int>{1, 2, 3, 4, 5}) | ws::skip(3) | ws::collect());
  EXPECT_EQ(out, (std::vector<int>{4, 5}));
  auto none = run(ws::from_range(std::vector<int>{1, 2}) | ws::skip(5) | ws::collect());
  EXPECT_TRUE(none.empty());
}

TEST(StreamAdaptorTest, SkipCountSurvivesPendingPolls) {
  manual_feed<int> feed;
  manual_executor ex;
  auto out = ex.spawn(manual_source<int>(feed) | ws::skip(2) | ws::collect());
  for (int i = 0; i < 4; ++i) {
    feed.push(i);
    ex.run_until_stalled();
  }
  feed.close();
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<int>{2, 3}));
}

TEST(StreamAdaptorTest, FilterMapKeepsEngagedResults) {
  auto out = run(ws::from_range(std::vector<int>{1, 2, 3, 4}) |
                 ws::filter_map([](int x) -> std::optional<std::string> {
                   if (x % 2 != 0) return std::nullopt;
                   return std::to_string(x);
                 }) |
                 ws::collect());
  EXPECT_EQ(out, (std::vector<std::string>{"2", "4"}));
}

TEST(StreamAdaptorTest, ChunksGroupsAndFlushesTheRest) {
  auto out = run(ws::from_range(std::vector<int>{1, 2, 3, 4, 5}) | ws::chunks(2) | ws::collect());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (std::vector<int>{1, 2}));
  EXPECT_EQ(out[1], (std::vector<int>{3, 4}));
  EXPECT_EQ(out[2], (std::vector<int>{5}));
}

TEST(StreamAdaptorTest, ChunksKeepsAPartialChunkWhilePending) {
  manual_feed<int> feed;
  auto s = manual_source<int>(feed) | ws::chunks(3);
  weft::test::counting_waker cw;
  feed.push(1);
  feed.push(2);
  EXPECT_TRUE(poll_once(s, cw).is_pending());
  feed.push(3);
  auto p = poll_once(s, cw);
  ASSERT_TRUE(p.is_ready());
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ(**p, (std::vector<int>{1, 2, 3}));
  feed.push(4);
  feed.close();
  auto q = poll_once(s, cw);
  ASSERT_TRUE(q.is_ready() && q->has_value());
  EXPECT_EQ(**q, (std::vector<int>{4}));
  auto e = poll_once(s, cw);
  ASSERT_TRUE(e.is_ready());
  EXPECT_FALSE(e->has_value());
  EXPECT_FALSE(poll_once(s, cw)->has_value());  // fused after the end
}

TEST(StreamAdaptorTest, ZipPairsAndEndsWithTheShorter) {
  auto out = run(ws::from_range(std::vector<int>{1, 2, 3}) |
                 ws::zip(ws::from_range(std::vector<std::string>{"a", "b"})) | ws::collect());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (std::pair<int, std::string>{1, "a"}));
  EXPECT_EQ(out[1], (std::pair<int, std::string>{2, "b"}));
}

TEST(StreamAdaptorTest, ZipHoldsOneSideWhileTheOtherIsPending) {
  manual_feed<int> a;
  manual_feed<int> b;
  auto s = manual_source<int>(a) | ws::zip(manual_source<int>(b));
  weft::test::counting_waker cw;
  a.push(1);
  EXPECT_TRUE(poll_once(s, cw).is_pending());
  EXPECT_EQ(a.queued(), 0u);  // taken and held
  b.push(10);
  auto p = poll_once(s, cw);
  ASSERT_TRUE(p.is_ready() && p->has_value());
  EXPECT_EQ(**p, (std::pair<int, int>{1, 10}));
}

TEST(StreamAdaptorTest, MergeInterleavesFairlyAndEndsWhenBothEnd) {
  // Two always-ready sides (fed up front; manual sources spend no budget, so this holds in
  // chaos builds too): merge alternates which side it asks first.
  manual_feed<int> a;
  manual_feed<int> b;
  for (int i = 0; i < 4; ++i) a.push(1);
  for (int i = 0; i < 2; ++i) b.push(2);
  a.close();
  b.close();
  auto out = run(manual_source<int>(a) | ws::merge(manual_source<int>(b)) | ws::collect());
  EXPECT_EQ(out, (std::vector<int>{1, 2, 1, 2, 1, 1}));
}

TEST(StreamAdaptorTest, MergeWakesForEitherSide) {
  manual_feed<int> a;
  manual_feed<int> b;
  manual_executor ex;
  auto out = ex.spawn(manual_source<int>(a) | ws::merge(manual_source<int>(b)) | ws::collect());
  ex.run_until_stalled();
  b.push(2);
  ex.run_until_stalled();
  a.push(1);
  a.close();
  ex.run_until_stalled();
  EXPECT_FALSE(out->has_value());
  b.close();
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<int>{2, 1}));
}

TEST(StreamAdaptorTest, FlattenConcatenatesInnerStreams) {
  auto out = run(ws::from_range(std::vector<int>{0, 2, 1}) |
                 ws::map([](int n) { return ws::iterate(n * 10, [](int x) { return x + 1; }) | ws::take(static_cast<std::size_t>(n)); }) |
                 ws::flatten() | ws::collect());
  EXPECT_EQ(out, (std::vector<int>{20, 21, 10}));
}

TEST(StreamAdaptorTest, ThenAwaitsEachFutureInOrder) {
  manual_event e1;
  manual_event e2;
  std::vector<manual_event*> events{&e1, &e2};
  manual_executor ex;
  auto out = ex.spawn(ws::from_range(events) | ws::then([](manual_event* e) -> weft::task<int> {
                        co_await e->wait();
                        co_return e == nullptr ? 0 : 1;
                      }) |
                      ws::collect());
  ex.run_until_stalled();
  EXPECT_TRUE(e1.has_waker());
  EXPECT_FALSE(e2.has_waker());  // one at a time
  e2.set();
  ex.run_until_stalled();
  EXPECT_FALSE(out->has_value());
  e1.set();
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<int>{1, 1}));
}

TEST(StreamAdaptorTest, FoldAccumulates) {
  auto sum = run(ws::from_range(std::vector<long>{1, 2, 3, 4}) |
                 ws::fold(100L, [](long acc, long x) { return acc + x; }));
  EXPECT_EQ(sum, 110);
}

TEST(StreamAdaptorTest, CollectIntoAnotherContainer) {
  auto d = run(ws::from_range(std::vector<int>{3, 4}) | ws::collect<std::deque<int>>());
  EXPECT_EQ(d, (std::deque<int>{3, 4}));
}

TEST(StreamAdaptorTest, ForEachRunsSyncAndAsyncBodies) {
  std::vector<int> seen;
  run(ws::from_range(std::vector<int>{1, 2}) | ws::for_each([&seen](int x) { seen.push_back(x); }));
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));

  manual_event gate;
  manual_executor ex;
  std::vector<int> got;
  auto done = ex.spawn(ws::from_range(std::vector<int>{5, 6}) |
                       ws::for_each([&](int x) -> weft::task<void> {
                         co_await gate.wait();
                         got.push_back(x);
                       }));
  ex.run_until_stalled();
  EXPECT_TRUE(got.empty());
  gate.set();
  ex.run_until_stalled();
  EXPECT_TRUE(done->has_value());
  EXPECT_EQ(got, (std::vector<int>{5, 6}));
}

TEST(StreamAdaptorTest, FromReceiverWorksWithAnyPollRecv) {
  manual_feed<int> feed;
  weft::test::fake_receiver<int> rx(feed);
  manual_executor ex;
  auto out = ex.spawn(ws::from_receiver(std::move(rx)) | ws::map([](int x) { return x + 1; }) |
                      ws::collect());
  ex.run_until_stalled();
  feed.push(1);
  ex.run_until_stalled();
  feed.push(2);
  feed.close();  // every sender gone
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<int>{2, 3}));
}

TEST(StreamAdaptorTest, FromReceiverBorrowsAnLvalue) {
  manual_feed<int> feed;
  weft::test::fake_receiver<int> rx(feed);
  auto s = ws::from_receiver(rx);
  static_assert(std::is_same_v<decltype(s), ws::receiver_stream<weft::test::fake_receiver<int>&>>);
  feed.push(4);
  weft::test::counting_waker cw;
  auto p = poll_once(s, cw);
  ASSERT_TRUE(p.is_ready() && p->has_value());
  EXPECT_EQ(**p, 4);
}

TEST(StreamAdaptorTest, DroppedNextLosesNoItem) {
  manual_feed<int> feed;
  manual_source<int> src(feed);
  auto s = src | ws::map([](int x) { return x * 2; });
  weft::test::counting_waker cw;
  {
    auto f = ws::next(s);
    weft::waker w = cw.make_waker();
    weft::context cx(w);
    EXPECT_TRUE(f.poll(cx).is_pending());
  }  // dropped while pending
  feed.push(21);
  EXPECT_EQ(cw.total_wakes(), 1);
  manual_executor ex;
  auto out = ex.spawn([](auto& st) -> weft::task<std::optional<int>> {
    co_return co_await ws::next(st);
  }(s));
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, std::optional<int>(42));
}

TEST(StreamAdaptorTest, NextInATaskLoop) {
  manual_executor ex;
  auto out = ex.spawn([]() -> weft::task<int> {
    auto s = ws::iterate(1, [](int x) { return x + 1; }) | ws::take(10);
    int sum = 0;
    while (auto v = co_await ws::next(s)) sum += *v;
    co_return sum;
  }());
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, 55);
}

TEST(StreamAdaptorTest, AlwaysReadySourcesYieldToTheBudget) {
  // An endless always-ready source under a budget of 4: the fold task must give the
  // executor back control (pending + self-wake) instead of running forever in one poll.
  manual_executor ex(4);
  auto out = ex.spawn(ws::repeat_with([] { return 1; }) | ws::take(100) |
                      ws::fold(0, [](int a, int b) { return a + b; }));
  ex.step();
  EXPECT_FALSE(out->has_value());
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, 100);
}

TEST(StreamAdaptorTest, BufferUnorderedYieldsInCompletionOrderWithBoundedConcurrency) {
  std::vector<std::unique_ptr<manual_event>> ev;
  for (int i = 0; i < 5; ++i) ev.push_back(std::make_unique<manual_event>());
  int started = 0;
  manual_executor ex;
  auto out = ex.spawn(ws::iterate(0, [](int x) { return x + 1; }) | ws::take(5) |
                      ws::map([&](int i) -> weft::task<int> {
                        ++started;
                        co_await ev[static_cast<std::size_t>(i)]->wait();
                        co_return i;
                      }) |
                      ws::buffer_unordered(2) | ws::collect());
  ex.run_until_stalled();
  EXPECT_EQ(started, 2);
  ev[1]->set();
  ex.run_until_stalled();
  EXPECT_EQ(started, 3);
  ev[2]->set();
  ev[0]->set();
  ex.run_until_stalled();
  EXPECT_EQ(started, 5);
  ev[4]->set();
  ev[3]->set();
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  auto& v = **out;
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0], 1);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(StreamAdaptorTest, BufferedKeepsOrder) {
  std::vector<std::unique_ptr<manual_event>> ev;
  for (int i = 0; i < 4; ++i) ev.push_back(std::make_unique<manual_event>());
  int started = 0;
  manual_executor ex;
  auto out = ex.spawn(ws::iterate(0, [](int x) { return x + 1; }) | ws::take(4) |
                      ws::map([&](int i) -> weft::task<int> {
                        ++started;
                        co_await ev[static_cast<std::size_t>(i)]->wait();
                        co_return i;
                      }) |
                      ws::buffered(3) | ws::collect());
  ex.run_until_stalled();
  EXPECT_EQ(started, 3);
  ev[2]->set();
  ev[1]->set();
  ex.run_until_stalled();
  EXPECT_EQ(started, 3);  // the oldest still runs: no slot is free
  ev[0]->set();
  ex.run_until_stalled();
  EXPECT_EQ(started, 4);
  ev[3]->set();
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<int>{0, 1, 2, 3}));
}

TEST(StreamAdaptorTest, BufferUnorderedAndBufferedRePollOnlyTheWokenFuture) {
  // 64 futures at once, woken one at a time: with a waker per slot each future is polled
  // about twice (first poll, then after its wake), not once per wake of any of them.
  constexpr int n = 64;
  for (int ordered = 0; ordered < 2; ++ordered) {
    SCOPED_TRACE(ordered ? "buffered" : "buffer_unordered");
    std::vector<std::unique_ptr<manual_event>> ev;
    for (int i = 0; i < n; ++i) ev.push_back(std::make_unique<manual_event>());
    auto src = ws::iterate(0, [](int x) { return x + 1; }) | ws::take(n) |
               ws::map([&](int i) { return ev[static_cast<std::size_t>(i)]->wait(); });
    manual_executor ex;
    std::shared_ptr<std::optional<std::size_t>> out;
    auto count = ws::fold(std::size_t{0}, [](std::size_t a, std::monostate) { return a + 1; });
    if (ordered != 0) {
      out = ex.spawn(std::move(src) | ws::buffered(n) | std::move(count));
    } else {
      out = ex.spawn(std::move(src) | ws::buffer_unordered(n) | std::move(count));
    }
    ex.run_until_stalled();
    for (int i = n - 1; i >= 0; --i) {  // newest first: the worst order for buffered
      ev[static_cast<std::size_t>(i)]->set();
      ex.run_until_stalled();
    }
    ASSERT_TRUE(out->has_value());
    EXPECT_EQ(**out, static_cast<std::size_t>(n));
    long most = 0;
    for (auto& e : ev) most = std::max(most, e->polls());
    EXPECT_LE(most, 3);
  }
}

weft::task<int> fails_after(manual_event& e) {
  co_await e.wait();
  throw std::runtime_error("future failed");
}

TEST(StreamAdaptorTest, BufferUnorderedPassesAFutureExceptionAndDropsRunningFutures) {
  weft::test::lifetime_log log;
  manual_event go;
  manual_event never;
  {
    manual_executor ex;
    auto out = ex.spawn([](weft::test::lifetime_log& lg, manual_event& g, manual_event& nv) -> weft::task<bool> {
      auto s = ws::iterate(0, [](int x) { return x + 1; }) | ws::take(3) |
               ws::map([&](int i) -> weft::task<int> {
                 weft::test::lifetime_token t(lg, i);
                 if (i == 0) co_return co_await fails_after(g);
                 co_await nv.wait();
                 co_return i;
               }) |
               ws::buffer_unordered(3);
      try {
        while (co_await ws::next(s)) {
        }
      } catch (const std::runtime_error&) {
        co_return true;
      }
      co_return false;
    }(log, go, never));
    ex.run_until_stalled();
    EXPECT_EQ(log.live(), 3);  // three futures running
    go.set();
    ex.run_until_stalled();
    ASSERT_TRUE(out->has_value());
    EXPECT_TRUE(**out);
  }
  EXPECT_EQ(log.live(), 0);  // the stream, and its two waiting futures, were dropped
}

TEST(StreamAdaptorTest, BufferUnorderedOfVoidFutures) {
  int ran = 0;
  auto out = run(ws::from_range(std::vector<int>{1, 2, 3}) |
                 ws::map([&ran](int) -> weft::task<void> {
                   ++ran;
                   co_return;
                 }) |
                 ws::buffer_unordered(8) | ws::collect());
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(ran, 3);
}

int throw_on_two(int x) {
  if (x == 2) throw std::runtime_error("boom");
  return x;
}

weft::task<bool> collect_catches() {
  bool caught = false;
  std::vector<int> v{1, 2};  // g++ 12: no initializer_list temporaries across a co_await
  try {
    co_await (ws::from_range(v) | ws::map(&throw_on_two) | ws::collect());
  } catch (const std::runtime_error&) {
    caught = true;
  }
  co_return caught;
}

TEST(StreamAdaptorTest, ExceptionsFromAdaptorFunctionsReachTheAwaiter) {
  EXPECT_TRUE(run(collect_catches()));
}

} // namespace

namespace {
/// Spends `n` units of cooperative budget, yielding whenever the poll's budget runs out.
weft::task<int> budget_hungry(int n) {
  for (int i = 0; i < n; ++i) co_await weft::test::coop_ready{};
  co_return n;
}
}  // namespace

TEST(StreamAdaptorTest, BufferUnorderedAndBufferedYieldWhenTheirFuturesRunOutOfBudget) {
  // A future out of budget wakes itself and answers pending; re-polling it inside the same
  // poll of the stream can never succeed (the budget refills only at the task's next poll),
  // so the stream must answer pending and be polled again, not spin on that wake for ever.
  weft::test::watchdog dog(std::chrono::seconds(30), "buffer_unordered spinning on a budget wake");
  auto rt = weft::runtime::builder().current_thread().build();
  for (int ordered = 0; ordered < 2; ++ordered) {
    SCOPED_TRACE(ordered ? "buffered" : "buffer_unordered");
    const int total = rt.block_on([](bool in_order) -> weft::task<int> {
      auto src = ws::iterate(0, [](int x) { return x + 1; }) | ws::take(16) |
                 ws::map([](int) { return budget_hungry(1000); });
      auto sum = ws::fold(0, [](int a, int b) { return a + b; });
      if (in_order) co_return co_await (std::move(src) | ws::buffered(8) | std::move(sum));
      co_return co_await (std::move(src) | ws::buffer_unordered(8) | std::move(sum));
    }(ordered != 0));
    EXPECT_EQ(total, 16 * 1000);
  }
}
