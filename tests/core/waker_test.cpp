// tests/core/waker_test.cpp: waker reference semantics (copy = clone, move, drop), wake vs
// wake_by_ref, will_wake and clone_from, noop_waker, make_waker across threads, context.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "weft/core/context.hpp"
#include "weft/core/waker.hpp"

namespace {

using weft::waker;
using weft::test::counting_waker;

TEST(WakerTest, CopyClonesAndDestroyDrops) {
  counting_waker target;
  {
    waker a = target.make_waker();
    EXPECT_EQ(target.live(), 1);
    {
      waker b = a;  // NOLINT(performance-unnecessary-copy-initialization)
      EXPECT_EQ(target.clones(), 1);
      EXPECT_EQ(target.live(), 2);
      EXPECT_TRUE(b.will_wake(a));
    }
    EXPECT_EQ(target.drops(), 1);
    EXPECT_EQ(target.live(), 1);
  }
  EXPECT_EQ(target.drops(), 2);
  EXPECT_TRUE(target.balanced());
}

TEST(WakerTest, MoveTransfersTheReferenceWithoutCloning) {
  counting_waker target;
  {
    waker a = target.make_waker();
    waker b = std::move(a);
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): documented moved-from state
    EXPECT_TRUE(b.valid());
    waker c = weft::noop_waker();
    c = std::move(b);
    EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(target.clones(), 0);
    EXPECT_EQ(target.live(), 1);
  }
  EXPECT_EQ(target.clones(), 0);
  EXPECT_EQ(target.drops(), 1);
  EXPECT_TRUE(target.balanced());
}

TEST(WakerTest, MoveAssignDropsTheOldTarget) {
  counting_waker first;
  counting_waker second;
  {
    waker w = first.make_waker();
    w = second.make_waker();
    EXPECT_EQ(first.drops(), 1);
    EXPECT_EQ(first.live(), 0);
    EXPECT_EQ(second.live(), 1);
  }
  EXPECT_TRUE(first.balanced());
  EXPECT_TRUE(second.balanced());
}

TEST(WakerTest, CopyAssignToADifferentTargetClonesAndDropsTheOld) {
  counting_waker first;
  counting_waker second;
  {
    waker a = first.make_waker();
    waker b = second.make_waker();
    a = b;
    EXPECT_TRUE(a.will_wake(b));
    EXPECT_EQ(first.drops(), 1);
    EXPECT_EQ(second.clones(), 1);
    EXPECT_EQ(second.live(), 2);
  }
  EXPECT_TRUE(first.balanced());
  EXPECT_TRUE(second.balanced());
}

TEST(WakerTest, SelfAssignmentKeepsTheReference) {
  counting_waker target;
  {
    waker a = target.make_waker();
    waker& alias = a;
    a = alias;
    EXPECT_TRUE(a.valid());
    a = std::move(alias);
    EXPECT_TRUE(a.valid());
    EXPECT_EQ(target.live(), 1);
    a.wake_by_ref();
  }
  EXPECT_EQ(target.wake_by_refs(), 1);
  EXPECT_TRUE(target.balanced());
}

TEST(WakerTest, WakeConsumesTheReference) {
  counting_waker target;
  waker w = target.make_waker();
  std::move(w).wake();
  EXPECT_FALSE(w.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(target.wakes(), 1);
  EXPECT_EQ(target.drops(), 0);  // consumed by wake, not dropped separately
  EXPECT_EQ(target.live(), 0);
  EXPECT_TRUE(target.balanced());
}

TEST(WakerTest, WakeByRefKeepsTheReference) {
  counting_waker target;
  {
    waker w = target.make_waker();
    w.wake_by_ref();
    w.wake_by_ref();
    EXPECT_TRUE(w.valid());
    EXPECT_EQ(target.wake_by_refs(), 2);
    EXPECT_EQ(target.live(), 1);
  }
  EXPECT_EQ(target.wakes(), 0);
  EXPECT_TRUE(target.balanced());
}

TEST(WakerTest, WillWakeComparesTargets) {
  counting_waker first;
  counting_waker second;
  waker a = first.make_waker();
  waker b = first.make_waker();
  waker c = second.make_waker();
  EXPECT_TRUE(a.will_wake(b));
  EXPECT_FALSE(a.will_wake(c));
  EXPECT_FALSE(a.will_wake(weft::noop_waker()));
}

TEST(WakerTest, CloneFromSkipsTheCloneForTheSameTarget) {
  counting_waker target;
  {
    waker stored = target.make_waker();
    waker incoming = target.make_waker();
    for (int i = 0; i < 10; ++i) stored.clone_from(incoming);
    EXPECT_EQ(target.clones(), 0);
    EXPECT_EQ(target.drops(), 0);
  }
  EXPECT_TRUE(target.balanced());
}

TEST(WakerTest, CloneFromReplacesADifferentTarget) {
  counting_waker old_target;
  counting_waker new_target;
  {
    waker stored = old_target.make_waker();
    waker incoming = new_target.make_waker();
    stored.clone_from(incoming);
    EXPECT_TRUE(stored.will_wake(incoming));
    EXPECT_EQ(new_target.clones(), 1);
    EXPECT_EQ(old_target.drops(), 1);
    stored.wake_by_ref();
    EXPECT_EQ(new_target.wake_by_refs(), 1);
    EXPECT_EQ(old_target.total_wakes(), 0);
  }
  EXPECT_TRUE(old_target.balanced());
  EXPECT_TRUE(new_target.balanced());
}

TEST(WakerTest, SwapExchangesTargets) {
  counting_waker first;
  counting_waker second;
  {
    waker a = first.make_waker();
    waker b = second.make_waker();
    a.swap(b);
    a.wake_by_ref();
    EXPECT_EQ(second.wake_by_refs(), 1);
    EXPECT_EQ(first.wake_by_refs(), 0);
  }
  EXPECT_TRUE(first.balanced());
  EXPECT_TRUE(second.balanced());
}

TEST(NoopWakerTest, EveryOperationIsHarmless) {
  waker w = weft::noop_waker();
  EXPECT_TRUE(w.valid());
  waker copy = w;
  EXPECT_TRUE(copy.will_wake(w));
  copy.wake_by_ref();
  std::move(copy).wake();
  EXPECT_FALSE(copy.valid());  // NOLINT(bugprone-use-after-move)
  w.clone_from(weft::noop_waker());
  EXPECT_TRUE(w.will_wake(weft::noop_waker()));
}

TEST(MakeWakerTest, CallsTheFunctionOnEachWake) {
  int calls = 0;
  {
    waker w = weft::make_waker([&] { ++calls; });
    w.wake_by_ref();
    waker c = w;
    std::move(c).wake();
    EXPECT_EQ(calls, 2);
    EXPECT_FALSE(c.valid());  // NOLINT(bugprone-use-after-move)
  }
  EXPECT_EQ(calls, 2);  // dropping does not wake
}

TEST(MakeWakerTest, FreesTheFunctionWithTheLastReference) {
  weft::test::lifetime_log log;
  {
    waker w = weft::make_waker([t = weft::test::lifetime_token(log, 1)] {});
    EXPECT_EQ(log.live(), 1);
    waker c = w;
    { waker d = std::move(w); }
    EXPECT_EQ(log.live(), 1);  // `c` still holds a reference
  }
  EXPECT_EQ(log.live(), 0);
  EXPECT_EQ(log.destroyed(), 1);
}

TEST(MakeWakerTest, ClonesWakesAndDropsFromOtherThreads) {
  constexpr int threads = 4;
  constexpr int per_thread = 20000;
  weft::test::lifetime_log log;
  std::atomic<long> calls{0};
  {
    waker w = weft::make_waker([&calls, t = weft::test::lifetime_token(log, 1)] {
      calls.fetch_add(1, std::memory_order_relaxed);
    });
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (int i = 0; i < threads; ++i) {
      // Each thread gets its own clone, then clones, wakes and drops it many times.
      pool.emplace_back([own = waker(w)]() mutable {
        for (int j = 0; j < per_thread; ++j) {
          waker c = own;
          if (j % 2 == 0) {
            std::move(c).wake();
          } else {
            c.wake_by_ref();
          }
        }
      });
    }
    for (auto& t : pool) t.join();
    EXPECT_EQ(log.live(), 1);  // the test's `w` keeps the function alive
  }
  EXPECT_EQ(calls.load(), long{threads} * per_thread);
  EXPECT_EQ(log.live(), 0);  // freed exactly once, by whichever thread dropped last
  EXPECT_EQ(log.destroyed(), 1);
}

TEST(MakeWakerTest, LastReferenceMayBeDroppedOnAnotherThread) {
  weft::test::lifetime_log log;
  waker w = weft::make_waker([t = weft::test::lifetime_token(log, 1)] {});
  std::thread th([moved = std::move(w)]() mutable { std::move(moved).wake(); });
  th.join();
  EXPECT_EQ(log.destroyed(), 1);
}

TEST(ContextTest, LendsTheWakerByReference) {
  counting_waker target;
  {
    waker w = target.make_waker();
    weft::context cx(w);
    EXPECT_EQ(&cx.waker(), &w);
    cx.waker().wake_by_ref();
    waker kept = cx.waker();
    EXPECT_TRUE(kept.will_wake(w));
  }
  EXPECT_EQ(target.made(), 1);
  EXPECT_EQ(target.clones(), 1);
  EXPECT_EQ(target.wake_by_refs(), 1);
  EXPECT_TRUE(target.balanced());
}

} // namespace
