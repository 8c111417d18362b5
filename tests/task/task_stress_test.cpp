// tests/task/task_stress_test.cpp: long and deep task chains: 10^6 sequential awaits and a
// 10^5-deep recursive chain must run in constant native stack at any optimization level,
// with or without a suspension at the bottom; and destroying a deep suspended chain.
#include <gtest/gtest.h>

#include <thread>

#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "weft/core.hpp"
#include "weft/task.hpp"

namespace {

using weft::context;
using weft::task;
using weft::test::manual_event;

task<int> identity(int v) { co_return v; }

task<long> sum_sequential(int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i) sum += co_await identity(i);
  co_return sum;
}

TEST(TaskStressTest, MillionSequentialAwaitsOfSynchronousTasks) {
  constexpr int n = 1'000'000;
  EXPECT_EQ(weft::block_on_current_thread(sum_sequential(n)), static_cast<long>(n) * (n - 1) / 2);
}

task<long> recurse(int depth, manual_event* bottom) {
  if (depth == 0) {
    if (bottom != nullptr) co_await bottom->wait();
    co_return 0;
  }
  co_return 1 + co_await recurse(depth - 1, bottom);
}

constexpr int deep = 100'000;

TEST(TaskStressTest, HundredThousandDeepRecursiveChain) {
  EXPECT_EQ(weft::block_on_current_thread(recurse(deep, nullptr)), deep);
}

TEST(TaskStressTest, HundredThousandDeepChainSuspendedAtTheBottom) {
  manual_event bottom;
  std::thread setter([&] {
    while (!bottom.has_waker()) std::this_thread::yield();
    bottom.set();
  });
  EXPECT_EQ(weft::block_on_current_thread(recurse(deep, &bottom)), deep);
  setter.join();
}

TEST(TaskStressTest, RepeatedDeepChainsReuseFrames) {
  // Memory stays flat: the recycled frames of one chain serve the next.
  for (int round = 0; round < 5; ++round) {
    ASSERT_EQ(weft::block_on_current_thread(recurse(10'000, nullptr)), 10'000);
  }
}

struct bottom_error {
  int depth;
};

task<long> recurse_throw(int depth) {
  if (depth == 0) throw bottom_error{deep};
  co_return 1 + co_await recurse_throw(depth - 1);
}

TEST(TaskStressTest, ExceptionUnwindsAHundredThousandDeepChain) {
  try {
    (void)weft::block_on_current_thread(recurse_throw(deep));
    FAIL() << "the exception from the bottom frame was lost";
  } catch (const bottom_error& e) {
    EXPECT_EQ(e.depth, deep);
  }
}

// Destroys a 10^5-deep chain suspended on a leaf. Destruction of a frame destroys the child
// task it awaits, so a naive implementation recurses once per level and overflows the stack.
// Runs in a child process so that an overflow fails this test instead of the whole binary.
TEST(TaskStressTest, DestroyingAHundredThousandDeepSuspendedChain) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        manual_event bottom;
        {
          auto t = recurse(deep, &bottom);
          weft::waker w = weft::noop_waker();
          context cx(w);
          if (!t.poll(cx).is_pending()) std::_Exit(2);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

} // namespace
