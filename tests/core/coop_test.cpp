// tests/core/coop_test.cpp: the cooperative budget (poll_proceed, budget_scope) and
// yield_now().
#include <gtest/gtest.h>

#include <vector>

#include "support/counting_waker.hpp"
#include "support/manual_executor.hpp"
#include "weft/core/coop.hpp"
#include "weft/core/ready.hpp"
#include "weft/core/yield_now.hpp"

namespace {

using weft::context;
using weft::test::counting_waker;

TEST(CoopTest, UnlimitedOutsideABudgetScope) {
  counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    EXPECT_TRUE(weft::coop::has_budget());
    for (int i = 0; i < 10 * weft::coop::default_budget; ++i) {
      ASSERT_TRUE(weft::coop::poll_proceed(cx)) << "at proceed " << i;
    }
    EXPECT_TRUE(weft::coop::has_budget());
  }
  EXPECT_EQ(target.total_wakes(), 0);
}

TEST(CoopTest, ScopeAllows128ProceedsThenWakesAndRefuses) {
  counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    weft::coop::budget_scope scope;
    for (int i = 0; i < weft::coop::default_budget; ++i) {
      ASSERT_TRUE(weft::coop::poll_proceed(cx)) << "at proceed " << i;
    }
    EXPECT_EQ(target.total_wakes(), 0);
    EXPECT_FALSE(weft::coop::has_budget());
    EXPECT_FALSE(weft::coop::poll_proceed(cx));
    EXPECT_EQ(target.wake_by_refs(), 1);
    EXPECT_FALSE(weft::coop::poll_proceed(cx));  // stays exhausted, wakes again
    EXPECT_EQ(target.wake_by_refs(), 2);
  }
  EXPECT_EQ(weft::coop::default_budget, 128);
  EXPECT_TRUE(target.balanced());  // wake_by_ref keeps no reference
}

TEST(CoopTest, ScopeRestoresThePreviousBudget) {
  weft::waker w = weft::noop_waker();
  context cx(w);
  {
    weft::coop::budget_scope outer(3);
    ASSERT_TRUE(weft::coop::poll_proceed(cx));  // 2 left
    {
      weft::coop::budget_scope inner(0);
      EXPECT_FALSE(weft::coop::has_budget());
      EXPECT_FALSE(weft::coop::poll_proceed(cx));
    }
    EXPECT_TRUE(weft::coop::poll_proceed(cx));
    EXPECT_TRUE(weft::coop::poll_proceed(cx));
    EXPECT_FALSE(weft::coop::poll_proceed(cx));
  }
  // Back to unlimited.
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(weft::coop::poll_proceed(cx));
}

TEST(CoopTest, NegativeScopeMeansUnlimited) {
  weft::waker w = weft::noop_waker();
  context cx(w);
  weft::coop::budget_scope outer(1);
  {
    weft::coop::budget_scope unlimited(-1);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(weft::coop::poll_proceed(cx));
  }
  EXPECT_TRUE(weft::coop::poll_proceed(cx));
  EXPECT_FALSE(weft::coop::poll_proceed(cx));
}

// A leaf that is always ready but respects the budget, like a socket with data buffered.
struct always_ready_leaf {
  long* completed;
  weft::poll<void> poll(context& cx) {
    if (!weft::coop::poll_proceed(cx)) return weft::pending;
    ++*completed;
    return weft::ready();
  }
};

// Drains an always-ready leaf forever, in one poll if the budget lets it.
struct greedy_future {
  long completed = 0;
  long* published;
  weft::poll<void> poll(context& cx) {
    for (;;) {
      always_ready_leaf leaf{&completed};
      if (leaf.poll(cx).is_pending()) {
        *published = completed;
        return weft::pending;
      }
    }
  }
};

TEST(CoopTest, BudgetLetsANeighbourRunBesideAnAlwaysReadySource) {
  weft::test::manual_executor ex;
  long greedy_done = 0;
  ex.spawn(greedy_future{0, &greedy_done});
  bool neighbour_ran = false;
  ex.spawn(weft::poll_fn([&](context&) -> weft::poll<void> {
    neighbour_ran = true;
    return weft::ready();
  }));
  // Two polls: the greedy task spends its budget and re-queues itself, then the neighbour.
  EXPECT_EQ(ex.run_until_stalled(2), 2u);
  EXPECT_EQ(greedy_done, weft::coop::default_budget);
  EXPECT_TRUE(neighbour_ran);
  EXPECT_EQ(ex.live_tasks(), 1u);
  EXPECT_EQ(ex.queued(), 1u);  // the greedy task woke itself
  EXPECT_EQ(ex.run_until_stalled(3), 3u);
  EXPECT_EQ(greedy_done, 4 * weft::coop::default_budget);
}

TEST(YieldNowTest, PendingOnceWithWakeByRefThenReady) {
  counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    auto y = weft::yield_now();
    EXPECT_TRUE(y.poll(cx).is_pending());
    EXPECT_EQ(target.wake_by_refs(), 1);
    EXPECT_EQ(target.wakes(), 0);
    EXPECT_EQ(target.clones(), 0);  // it wakes in place and keeps nothing
    EXPECT_TRUE(y.poll(cx).is_ready());
    EXPECT_EQ(target.wake_by_refs(), 1);
  }
  EXPECT_TRUE(target.balanced());
}

TEST(YieldNowTest, LetsQueuedTasksRunFirst) {
  weft::test::manual_executor ex;
  std::vector<int> order;
  struct yielder {
    std::vector<int>* order;
    weft::yield_future y;
    weft::poll<void> poll(context& cx) {
      order->push_back(1);
      return y.poll(cx);
    }
  };
  ex.spawn(yielder{&order, {}});
  ex.spawn(weft::poll_fn([&](context&) -> weft::poll<void> {
    order.push_back(2);
    return weft::ready();
  }));
  ex.run_until_stalled();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 1}));
  EXPECT_EQ(ex.live_tasks(), 0u);
}

} // namespace
