// tests/runtime/current_thread_test.cpp: the current-thread flavour: no worker threads;
// spawned tasks run on the thread that calls block_on, inside block_on; foreign threads may
// still spawn and wake; dropping the runtime cancels what never ran.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::drop_probe;
using weft::test::handoff;
using weft::test::probe_stats;
using weft::test::wait_until;

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

weft::task<std::thread::id> where_am_i(std::atomic<int>* ran) {
  ran->fetch_add(1);
  co_await weft::yield_now();
  co_return std::this_thread::get_id();
}

TEST(CurrentThreadTest, SpawnedTasksRunOnlyInsideBlockOn) {
  const std::size_t threads_before = thread_count();
  auto rt = weft::runtime::builder().current_thread().build();
  EXPECT_EQ(rt.num_workers(), 1u);
  // <=: a thread of an earlier test may still have been on its way out at the first count.
  EXPECT_LE(thread_count(), threads_before) << "the current-thread flavour started threads";
  std::atomic<int> ran{0};
  auto h = rt.spawn(where_am_i(&ran));
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ran.load(), 0) << "a task ran outside block_on";
  EXPECT_EQ(rt.block_on(std::move(h)), std::this_thread::get_id());
  EXPECT_EQ(ran.load(), 1);
}

weft::task<int> child(int i) {
  for (int k = 0; k < i % 3; ++k) co_await weft::yield_now();
  co_return i;
}

weft::task<long> spawn_and_join(int n) {
  std::vector<weft::join_handle<int>> hs;
  for (int i = 0; i < n; ++i) hs.push_back(weft::spawn(child(i)));
  long sum = 0;
  for (auto& h : hs) sum += co_await h;
  // And a nested level: a child that spawns its own children.
  auto nested = weft::spawn([]() -> weft::task<long> {
    auto a = weft::spawn(child(5));
    auto b = weft::spawn(child(7));
    co_return (co_await a) + (co_await b);
  }());
  sum += co_await nested;
  co_return sum;
}

TEST(CurrentThreadTest, BlockOnATaskThatSpawnsAndJoins) {
  auto rt = weft::runtime::builder().current_thread().build();
  const int n = 1000;
  EXPECT_EQ(rt.block_on(spawn_and_join(n)), static_cast<long>(n) * (n - 1) / 2 + 12);
  EXPECT_EQ(rt.block_on(rt.spawn(spawn_and_join(10))), 45 + 12);
  EXPECT_TRUE(wait_until([&] { return rt.metrics().live_tasks == 0; }));
}

weft::task<void> wait_for(handoff* h, std::atomic<int>* done) {
  co_await h->take();
  done->fetch_add(1);
}

TEST(CurrentThreadTest, ForeignThreadsCanSpawnAndWake) {
  auto rt = weft::runtime::builder().current_thread().build();
  handoff gate;
  std::atomic<int> done{0};
  auto waiting = rt.spawn(wait_for(&gate, &done));
  std::thread other([&] {
    std::this_thread::sleep_for(10ms);
    gate.put();
  });
  rt.block_on(std::move(waiting));  // parks until the other thread's wake
  other.join();
  EXPECT_EQ(done.load(), 1);

  std::atomic<int> ran{0};
  weft::join_handle<std::thread::id> remote;
  std::thread spawner([&] { remote = rt.handle().spawn(where_am_i(&ran)); });
  spawner.join();
  EXPECT_EQ(rt.block_on(std::move(remote)), std::this_thread::get_id());
}

weft::task<void> parked(drop_probe probe) {
  co_await weft::never<void>{};
  (void)probe;
}

TEST(CurrentThreadTest, DroppingTheRuntimeCancelsTasksThatNeverRan) {
  probe_stats stats;
  {
    auto rt = weft::runtime::builder().current_thread().build();
    for (int i = 0; i < 100; ++i) rt.spawn(parked(drop_probe(stats))).detach();
    // Some of them get polled once (block_on runs a batch of tasks per root poll).
    rt.block_on(weft::yield_now());
    for (int i = 0; i < 100; ++i) rt.spawn(parked(drop_probe(stats))).detach();
  }
  EXPECT_EQ(stats.made(), 200);
  EXPECT_EQ(stats.destroyed(), 200);
}

TEST(CurrentThreadTest, SpawnAfterShutdownThrows) {
  auto rt = weft::runtime::builder().current_thread().build();
  rt.shutdown();
  EXPECT_THROW((void)rt.spawn(child(1)), weft::spawn_error);
}

} // namespace
