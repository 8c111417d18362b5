// tests/runtime/task_group_test.cpp: task_group: join_all collects every output in spawn
// order, exceptions and aborts surface from join_all, and destroying the group aborts the
// tasks still running (their futures are destroyed exactly once).
#include <gtest/gtest.h>

#include <weft/runtime/task_group.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"
#include "weft/time.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::drop_probe;
using weft::test::parked_forever;
using weft::test::probe_stats;
using weft::test::wait_until;

weft::task<int> square_after_yields(int i) {
  for (int k = 0; k < i % 4; ++k) co_await weft::yield_now();
  co_return i * i;
}

weft::task<std::vector<int>> group_of_squares(int n) {
  weft::task_group<int> g;
  for (int i = 0; i < n; ++i) g.spawn(square_after_yields(i));
  EXPECT_EQ(g.size(), static_cast<std::size_t>(n));
  auto out = co_await g.join_all();
  EXPECT_EQ(g.size(), 0u);
  co_return out;
}

TEST(TaskGroupTest, JoinAllCollectsOutputsInSpawnOrder) {
  auto rt = weft::runtime::builder().workers(2).build();
  const int n = 500;
  auto out = rt.block_on(rt.spawn(group_of_squares(n)));
  ASSERT_EQ(out.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], i * i);
}

weft::task<void> count_after_yield(std::atomic<int>* n) {
  co_await weft::yield_now();
  n->fetch_add(1);
}

TEST(TaskGroupTest, VoidGroupWithAHandleJoinsFromOutside) {
  auto rt = weft::runtime::builder().workers(2).build();
  std::atomic<int> n{0};
  weft::task_group<void> g(rt.handle());
  for (int i = 0; i < 100; ++i) g.spawn(count_after_yield(&n));
  rt.block_on(g.join_all());
  EXPECT_EQ(n.load(), 100);
  EXPECT_EQ(g.size(), 0u);
}

weft::task<int> fail_if(int i, int bad) {
  co_await weft::yield_now();
  if (i == bad) throw std::runtime_error("task " + std::to_string(i));
  co_return i;
}

weft::task<std::string> group_with_a_failure() {
  weft::task_group<int> g;
  for (int i = 0; i < 10; ++i) g.spawn(fail_if(i, 6));
  try {
    (void)co_await g.join_all();
  } catch (const std::runtime_error& e) {
    co_return e.what();
  }
  co_return "no exception";
}

TEST(TaskGroupTest, JoinAllRethrowsATaskException) {
  auto rt = weft::runtime::builder().workers(2).build();
  EXPECT_EQ(rt.block_on(rt.spawn(group_with_a_failure())), "task 6");
}

weft::task<void> parked(drop_probe probe, std::atomic<long>* polls) {
  co_await parked_forever(nullptr, polls);
  (void)probe;
}

TEST(TaskGroupTest, DestroyingTheGroupAbortsRunningTasks) {
  auto rt = weft::runtime::builder().workers(2).build();
  probe_stats stats;
  std::atomic<long> polls{0};
  constexpr int n = 64;
  {
    weft::task_group<void> g(rt.handle());
    for (int i = 0; i < n; ++i) g.spawn(parked(drop_probe(stats), &polls));
    ASSERT_TRUE(wait_until([&] { return polls.load() == n; }))
      << polls.load() << " of " << n << " polled";
    EXPECT_EQ(stats.destroyed(), 0);
  }
  EXPECT_TRUE(wait_until([&] { return stats.destroyed() == n; }))
      << stats.destroyed() << " of " << n << " futures destroyed";
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(stats.destroyed(), n) << "a future was destroyed twice";
  EXPECT_EQ(stats.made(), n);
  EXPECT_EQ(stats.destroyed_on(std::this_thread::get_id()), 0);
  EXPECT_TRUE(wait_until([&] { return rt.metrics().live_tasks == 0; }));
}

weft::task<void> group_dropped_inside(probe_stats* stats, std::atomic<long>* polls, int n) {
  {
    weft::task_group<void> g;
    for (int i = 0; i < n; ++i) g.spawn(parked(drop_probe(*stats), polls));
    while (polls->load() < n) co_await weft::yield_now();
  }
  co_return;
}

TEST(TaskGroupTest, GroupLeavingScopeInsideATaskAbortsItsTasks) {
  auto rt = weft::runtime::builder().workers(2).build();
  probe_stats stats;
  std::atomic<long> polls{0};
  rt.block_on(rt.spawn(group_dropped_inside(&stats, &polls, 32)));
  EXPECT_TRUE(wait_until([&] { return stats.destroyed() == 32; }));
  EXPECT_EQ(stats.made(), 32);
}

TEST(TaskGroupTest, AbortAllMakesJoinAllUnnecessary) {
  auto rt = weft::runtime::builder().workers(1).build();
  probe_stats stats;
  weft::task_group<void> g(rt.handle());
  for (int i = 0; i < 8; ++i) g.spawn(parked(drop_probe(stats), nullptr));
  g.abort_all();
  EXPECT_EQ(g.size(), 0u);
  EXPECT_TRUE(wait_until([&] { return stats.destroyed() == 8; }));
}

weft::task<int> one() { co_return 1; }

weft::task<std::size_t> spawn_after_join_all_was_made() {
  weft::task_group<int> g;
  g.spawn(one());
  auto all = g.join_all();  // refers to the group's handles
  for (int i = 0; i < 100; ++i) g.spawn(one());  // the handle vector grows (reallocates)
  auto out = co_await all;
  co_return out.size();
}

TEST(TaskGroupTest, SpawningAfterJoinAllWasMadeKeepsTheJoinValid) {
  // join_all() hands out pointers into the group's vector of handles; a later spawn may
  // reallocate it, leaving the pending join_all reading freed memory (ASan: heap-use-after-
  // free). Whether the late tasks are included is up to the design; memory safety is not.
  // Runs in a child process: a crash there fails this test without ending the test binary.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto rt = weft::runtime::builder().workers(2).build();
        const std::size_t joined = rt.block_on(rt.spawn(spawn_after_join_all_was_made()));
        std::fprintf(stderr, "joined %zu\n", joined);
        std::_Exit(joined == 1 || joined == 101 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

} // namespace

namespace {

weft::task<int> fail_after(std::chrono::milliseconds d, const char* what) {
  co_await weft::time::sleep(d);
  throw std::runtime_error(what);
}

// Regression: join_all documented "the first exception in order" but rethrew whichever task
// failed first in time.
TEST(TaskGroupTest, JoinAllRethrowsTheFirstFailureInSpawnOrder) {
  auto rt = weft::runtime::builder().workers(2).build();
  const std::string what = rt.block_on(rt.spawn([]() -> weft::task<std::string> {
    weft::task_group<int> g;
    g.spawn(fail_after(std::chrono::milliseconds(30), "first spawned"));
    g.spawn(fail_after(std::chrono::milliseconds(0), "failed first"));
    try {
      (void)co_await g.join_all();
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  }()));
  EXPECT_EQ(what, "first spawned");
}

} // namespace
