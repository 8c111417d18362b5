// tests/model/explorer_test.cpp: the explorer itself. It must reach every sequentially
// consistent outcome and only those, find a lost wake-up and a racy increment, respect its
// preemption bound, replay a failing schedule exactly, and tell a livelock and a timed
// sleep from a deadlock. Without these, a passing model would prove nothing.
#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>
#include <set>
#include <utility>

#include "model_support.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/futex.hpp"

namespace {

using weft::detail::atomic;
using weft::model::options;

options quiet(unsigned bound) {
  options o;
  o.preemption_bound = bound;
  o.quiet = true;
  o.from_env = false;
  return o;
}

TEST(ExplorerTest, ReachesEverySequentiallyConsistentOutcomeAndNoOther) {
  // Store buffering: x = 1; r1 = y || y = 1; r2 = x. Under SC, r1 == r2 == 0 is impossible.
  std::mutex mu;  // the outcomes are written by model thread 0, read by the test thread
  std::set<std::pair<int, int>> seen;
  const auto r = weft::model::run_model(
      [&] {
        atomic<int> x{0};
        atomic<int> y{0};
        int r1 = -1;
        int r2 = -1;
        weft::model::thread a([&] {
          x.store(1);
          r1 = y.load();
        });
        weft::model::thread b([&] {
          y.store(1);
          r2 = x.load();
        });
        a.join();
        b.join();
        std::lock_guard lock(mu);
        seen.emplace(r1, r2);
      },
      quiet(2));
  EXPECT_TRUE(weft::model::passed(r));
  EXPECT_GT(r.executions, 3u);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::set<std::pair<int, int>>{{0, 1}, {1, 0}, {1, 1}}));
}

void racy_increments() {
  atomic<int> x{0};
  auto inc = [&] {
    const int v = x.load();
    x.store(v + 1);
  };
  weft::model::thread a(inc);
  weft::model::thread b(inc);
  a.join();
  b.join();
  WEFT_MODEL_ASSERT(x.load() == 2);
}

TEST(ExplorerTest, FindsARacyIncrementWithOnePreemption) {
  const auto r = weft::model::explore(racy_increments, quiet(1));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.failure.find("x.load() == 2"), std::string::npos) << r.failure;
  EXPECT_FALSE(r.schedule.empty());
}

TEST(ExplorerTest, BoundZeroRunsThreadsOneAfterAnother) {
  const auto r = weft::model::explore(racy_increments, quiet(0));
  EXPECT_TRUE(r.ok) << r.failure;
  EXPECT_TRUE(r.complete);
}

TEST(ExplorerTest, ReplaysAFailingScheduleInOneExecution) {
  const auto found = weft::model::explore(racy_increments, quiet(2));
  ASSERT_FALSE(found.ok);
  options o = quiet(2);
  o.replay = found.schedule;
  const auto again = weft::model::explore(racy_increments, o);
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.executions, 1u);
  EXPECT_EQ(again.failure, found.failure);
  EXPECT_EQ(again.schedule, found.schedule);
}

TEST(ExplorerTest, RejectsAScheduleThatDoesNotFit) {
  options o = quiet(2);
  o.replay = "7x3";
  const auto r = weft::model::explore(racy_increments, o);
  EXPECT_FALSE(r.ok);
  o.replay = "not a schedule";
  EXPECT_FALSE(weft::model::explore(racy_increments, o).ok);
}

// Checks the flag, then sleeps on a word nobody changes: a wake between the two is lost.
void lost_wake() {
  atomic<int> flag{0};
  atomic<std::uint32_t> word{0};
  weft::model::thread waiter([&] {
    if (flag.load() == 0) weft::detail::futex_wait(word, 0);
  });
  weft::model::thread waker([&] {
    flag.store(1);
    weft::detail::futex_wake(word);
  });
  waiter.join();
  waker.join();
}

TEST(ExplorerTest, FindsALostWakeUpAsADeadlock) {
  const auto r = weft::model::explore(lost_wake, quiet(2));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.failure.find("deadlock"), std::string::npos) << r.failure;
}

TEST(ExplorerTest, ARequiredPreemptionCountIsRespected) {
  // t2 sees 1, 2, 3 in order only if t1 is preempted after each of its first three stores.
  auto body = [] {
    atomic<int> x{0};
    weft::model::thread t1([&] {
      for (int i = 1; i <= 4; ++i) x.store(i);
    });
    weft::model::thread t2([&] {
      const int a = x.load();
      const int b = x.load();
      const int c = x.load();
      WEFT_MODEL_ASSERT(!(a == 1 && b == 2 && c == 3));
    });
    t1.join();
    t2.join();
  };
  EXPECT_TRUE(weft::model::explore(body, quiet(2)).ok);
  EXPECT_FALSE(weft::model::explore(body, quiet(6)).ok);
}

TEST(ExplorerTest, ASpinWaitYieldsWithoutAPreemption) {
  const auto r = weft::model::explore(
      [] {
        atomic<int> flag{0};
        weft::model::thread spinner([&] {
          while (flag.load() == 0) weft::detail::spin_pause();
        });
        weft::model::thread setter([&] { flag.store(1); });
        spinner.join();
        setter.join();
      },
      quiet(0));
  EXPECT_TRUE(r.ok) << r.failure;
}

TEST(ExplorerTest, ALivelockHitsTheStepBound) {
  options o = quiet(1);
  o.max_steps = 500;
  const auto r = weft::model::explore(
      [] {
        atomic<int> flag{0};
        weft::model::thread spinner([&] {
          while (flag.load() == 0) weft::detail::spin_pause();
        });
        spinner.join();
      },
      o);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.failure.find("scheduling points"), std::string::npos) << r.failure;
}

TEST(ExplorerTest, ATimedSleepTimesOutWhenNothingElseCanRun) {
  const auto r = weft::model::explore(
      [] {
        atomic<std::uint32_t> word{0};
        weft::model::thread sleeper(
            [&] { weft::detail::futex_wait(word, 0, std::chrono::milliseconds(1)); });
        sleeper.join();
      },
      quiet(2));
  EXPECT_TRUE(r.ok) << r.failure;
}

TEST(ExplorerTest, AtomicWaitSleepsUntilNotified) {
  const auto r = weft::model::run_model(
      [] {
        atomic<std::uint32_t> word{0};
        weft::model::thread waiter([&] {
          while (word.load() == 0) word.wait(0);
        });
        weft::model::thread setter([&] {
          word.store(1);
          word.notify_one();
        });
        waiter.join();
        setter.join();
      },
      quiet(2));
  EXPECT_TRUE(weft::model::passed(r));
  // Forgetting the notify is a lost wake-up the explorer must see.
  const auto broken = weft::model::explore(
      [] {
        atomic<std::uint32_t> word{0};
        weft::model::thread waiter([&] {
          while (word.load() == 0) word.wait(0);
        });
        weft::model::thread setter([&] { word.store(1); });
        waiter.join();
        setter.join();
      },
      quiet(2));
  EXPECT_FALSE(broken.ok);
}

} // namespace
