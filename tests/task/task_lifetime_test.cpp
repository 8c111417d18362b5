// tests/task/task_lifetime_test.cpp: what a task does with its frames, leaves and wakers:
// cancellation by destruction, spurious re-polls, waker refcount balance, and the O(1) wake
// (a re-poll polls the pending leaf once, whatever the depth of the chain).
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "weft/core.hpp"
#include "weft/task.hpp"

namespace {

using weft::context;
using weft::task;
using weft::test::counting_waker;
using weft::test::lifetime_log;
using weft::test::lifetime_token;
using weft::test::manual_event;

task<void> innermost(manual_event& ev, lifetime_log& log) {
  lifetime_token token(log, 2);
  co_await weft::test::track(ev.wait(), log, 3);
}
task<void> middle(manual_event& ev, lifetime_log& log) {
  lifetime_token token(log, 1);
  co_await innermost(ev, log);
}
task<void> outer(manual_event& ev, lifetime_log& log) {
  lifetime_token token(log, 0);
  co_await middle(ev, log);
}

TEST(TaskLifetimeTest, DestroyingASuspendedTaskDestroysItsFramesChildAndLeaf) {
  lifetime_log log;
  manual_event ev;
  {
    auto t = outer(ev, log);
    weft::waker w = weft::noop_waker();
    context cx(w);
    ASSERT_TRUE(t.poll(cx).is_pending());
    EXPECT_EQ(log.live(), 4);  // three frame locals and the leaf
  }
  EXPECT_EQ(log.live(), 0);
  EXPECT_EQ(log.destroyed(), 4);
  // Innermost first, like the unwinding of nested calls: the leaf, then each frame outwards.
  EXPECT_EQ(log.destroy_order(), (std::vector<int>{3, 2, 1, 0}));
}

task<void> take_token(lifetime_token token) {
  (void)token.id();
  co_return;
}

TEST(TaskLifetimeTest, DestroyingAnUnstartedTaskDestroysItsParameters) {
  lifetime_log log;
  {
    auto t = take_token(lifetime_token(log, 7));
    EXPECT_EQ(log.live(), 1);  // the parameter copy lives in the frame
  }
  EXPECT_EQ(log.live(), 0);
}

TEST(TaskLifetimeTest, FinishedChildFramesAreDestroyedBeforeTheParentGoesOn) {
  lifetime_log log;
  auto child = [](lifetime_log& l, int id) -> task<void> {
    lifetime_token token(l, id);
    co_return;
  };
  auto parent = [&]() -> task<long> {
    co_await child(log, 1);
    const long after_first = log.live();
    co_await child(log, 2);
    co_return after_first * 10 + log.live();
  };
  EXPECT_EQ(weft::block_on_current_thread(parent()), 0);
}

TEST(TaskLifetimeTest, MovingATaskKeepsItsFrame) {
  lifetime_log log;
  manual_event ev;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto t = outer(ev, log);
  ASSERT_TRUE(t.poll(cx).is_pending());
  task<void> moved = std::move(t);
  EXPECT_FALSE(t.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(log.live(), 4);
  ev.set();
  EXPECT_TRUE(moved.poll(cx).is_ready());
  EXPECT_EQ(log.live(), 0);  // locals and leaf ended with their frames
  task<void> other = outer(ev, log);
  other = std::move(moved);  // move-assign destroys the frame `other` held (unstarted)
  EXPECT_TRUE(other.is_done());
}

TEST(TaskLifetimeTest, SpuriousRepollsOnlyRepollTheLeaf) {
  manual_event ev;
  int progress = 0;
  auto body = [&]() -> task<int> {
    ++progress;
    co_await ev.wait();
    ++progress;
    co_return progress;
  };
  auto t = body();
  weft::waker w = weft::noop_waker();
  context cx(w);
  ASSERT_TRUE(t.poll(cx).is_pending());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(t.poll(cx).is_pending());
  EXPECT_EQ(progress, 1);
  EXPECT_EQ(ev.polls(), 101);
  ev.set();
  auto p = t.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take(), 2);
  EXPECT_EQ(ev.polls(), 102);
}

task<int> three_events(manual_event& a, manual_event& b, manual_event& c) {
  co_await a.wait();
  co_await weft::yield_now();
  co_await b.wait();
  auto [x, y] = co_await weft::join(c.wait(), weft::ready(5));
  (void)x;
  co_return y;
}

TEST(TaskLifetimeTest, WakerRefcountsBalanceWhenPolledToCompletion) {
  counting_waker target;
  manual_event a;
  manual_event b;
  manual_event c;
  {
    auto t = three_events(a, b, c);
    weft::waker w = target.make_waker();
    context cx(w);
    EXPECT_TRUE(t.poll(cx).is_pending());  // on a
    a.set();
    EXPECT_TRUE(t.poll(cx).is_pending());  // through a; yield_now woke by ref
    EXPECT_TRUE(t.poll(cx).is_pending());  // on b
    b.set();
    EXPECT_TRUE(t.poll(cx).is_pending());  // on c, inside the join
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.poll(cx).is_pending());  // spurious
    c.set();
    auto p = t.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.take(), 5);
    EXPECT_TRUE(t.is_done());
    EXPECT_EQ(target.wakes() + target.wake_by_refs(), 4);  // a, yield_now, b, c
  }
  EXPECT_TRUE(target.balanced()) << "made " << target.made() << " clones " << target.clones()
                                 << " drops " << target.drops() << " wakes " << target.wakes();
}

TEST(TaskLifetimeTest, WakerRefcountsBalanceWhenDestroyedWhilePending) {
  counting_waker target;
  manual_event ev;
  {
    lifetime_log log;
    auto t = outer(ev, log);
    weft::waker w = target.make_waker();
    context cx(w);
    ASSERT_TRUE(t.poll(cx).is_pending());
    ASSERT_TRUE(ev.has_waker());
  }
  ev.set();  // a wake after the task is gone: the event held the last clone
  EXPECT_TRUE(target.balanced());
}

// A leaf pending `n` times (waking itself each time), then ready; counts its polls.
struct counted_leaf {
  int pending_polls;
  long* polls;
  weft::poll<int> poll(context& cx) {
    ++*polls;
    if (pending_polls-- > 0) {
      cx.waker().wake_by_ref();
      return weft::pending;
    }
    return weft::ready(1);
  }
};

task<long> nest(int depth, int pending_polls, long* leaf_polls) {
  if (depth == 0) co_return co_await counted_leaf{pending_polls, leaf_polls};
  co_return 1 + co_await nest(depth - 1, pending_polls, leaf_polls);
}

TEST(TaskLifetimeTest, ARepollOfADeepChainPollsTheLeafExactlyOnce) {
  constexpr int depth = 1000;
  constexpr int pending_polls = 50;
  long leaf_polls = 0;
  auto t = nest(depth, pending_polls, &leaf_polls);
  counting_waker target;
  weft::waker w = target.make_waker();
  context cx(w);
  ASSERT_TRUE(t.poll(cx).is_pending());
  EXPECT_EQ(leaf_polls, 1);
  for (int i = 1; i < pending_polls; ++i) {
    ASSERT_TRUE(t.poll(cx).is_pending());
    ASSERT_EQ(leaf_polls, i + 1) << "a re-poll must reach the leaf in one call";
  }
  auto p = t.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take(), depth + 1);
  EXPECT_EQ(leaf_polls, pending_polls + 1);
  EXPECT_EQ(target.wake_by_refs(), pending_polls);
}

TEST(TaskLifetimeTest, DeepChainRunsOnTheManualExecutorWithOnePollPerWake) {
  weft::test::manual_executor ex;
  long leaf_polls = 0;
  auto out = ex.spawn(nest(1000, 20, &leaf_polls));
  EXPECT_EQ(ex.run_until_stalled(), 21u);
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, 1001);
  EXPECT_EQ(leaf_polls, 21);
}

} // namespace
