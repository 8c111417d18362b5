// tests/runtime/fairness_test.cpp: a task draining an always-ready source (through the coop
// budget) cannot starve its neighbour on a one-worker runtime; tasks spawned from outside
// start promptly while every worker is busy with yielding loops.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using weft::test::coop_ready;
using weft::test::wait_until;

// Loops on an always-ready leaf until told to stop; never yields on its own.
weft::task<long> busy_reader(std::atomic<bool>* stop, std::atomic<long>* reads) {
  long n = 0;
  while (!stop->load(std::memory_order_relaxed)) {
    co_await coop_ready{};
    ++n;
    reads->store(n, std::memory_order_relaxed);
  }
  co_return n;
}

weft::task<void> neighbour(std::atomic<bool>* done, std::atomic<long>* reads_seen,
                           std::atomic<long>* reads) {
  reads_seen->store(reads->load());
  done->store(true);
  co_return;
}

TEST(FairnessTest, BusyTaskOnAReadyLeafDoesNotStarveItsNeighbour) {
  weft::test::watchdog dog(30s, "fairness: neighbour of a busy task");
  auto rt = weft::runtime::builder().workers(1).build();
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0};
  auto busy = rt.spawn(busy_reader(&stop, &reads));
  ASSERT_TRUE(wait_until([&] { return reads.load() > 0; }));  // the worker is in the loop

  std::atomic<bool> done{false};
  std::atomic<long> reads_seen{0};
  auto n = rt.spawn(neighbour(&done, &reads_seen, &reads));
  const bool ran = wait_until([&] { return done.load(); }, 10s);
  EXPECT_TRUE(ran) << "the neighbour never ran while the busy task looped";
  EXPECT_FALSE(busy.is_finished()) << "the busy task stopped: the check proves nothing";
  EXPECT_GT(reads_seen.load(), 0);
  stop.store(true);
  const long total = rt.block_on(std::move(busy));
  EXPECT_GE(total, reads_seen.load());
  rt.block_on(std::move(n));
}

TEST(FairnessTest, ManyBusyTasksTakeTurnsUnderTheBudget) {
  weft::test::watchdog dog(30s, "fairness: busy tasks taking turns");
  auto rt = weft::runtime::builder().workers(1).build();
  std::atomic<bool> stop{false};
  constexpr int n = 4;
  std::vector<std::atomic<long>> reads(n);
  std::vector<weft::join_handle<long>> hs;
  for (int i = 0; i < n; ++i) hs.push_back(rt.spawn(busy_reader(&stop, &reads[i])));
  // Every one of them makes progress although none ever yields by itself.
  EXPECT_TRUE(wait_until([&] {
    return std::all_of(reads.begin(), reads.end(), [](auto& r) { return r.load() > 1000; });
  }));
  stop.store(true);
  for (auto& h : hs) EXPECT_GT(rt.block_on(std::move(h)), 1000);
}

weft::task<void> yield_loop(std::atomic<bool>* stop, std::atomic<long>* spins) {
  while (!stop->load(std::memory_order_relaxed)) {
    spins->fetch_add(1, std::memory_order_relaxed);
    co_await weft::yield_now();
  }
}

weft::task<void> record_start(clock_type::time_point* started) {
  *started = clock_type::now();
  co_return;
}

TEST(FairnessTest, RemoteSpawnsStartWhileAllWorkersAreBusy) {
  weft::test::watchdog dog(30s, "fairness: remote spawns");
  auto rt = weft::runtime::builder().workers(2).build();
  std::atomic<bool> stop{false};
  std::atomic<long> spins{0};
  std::vector<weft::join_handle<void>> loops;
  for (int i = 0; i < 8; ++i) loops.push_back(rt.spawn(yield_loop(&stop, &spins)));
  ASSERT_TRUE(wait_until([&] { return spins.load() > 1000; }));

  const int samples = static_cast<int>(weft::test::scaled(200, 200, 100));
  std::vector<std::chrono::microseconds> latency;
  std::thread foreign([&] {
    weft::handle h = rt.handle();
    for (int i = 0; i < samples; ++i) {
      clock_type::time_point started{};
      const auto spawned = clock_type::now();
      h.block_on(h.spawn(record_start(&started)));
      latency.push_back(std::chrono::duration_cast<std::chrono::microseconds>(started - spawned));
    }
  });
  foreign.join();
  EXPECT_FALSE(std::any_of(loops.begin(), loops.end(), [](auto& h) { return h.is_finished(); }));
  stop.store(true);
  for (auto& h : loops) rt.block_on(std::move(h));

  std::sort(latency.begin(), latency.end());
  const auto p99 = latency[latency.size() * 99 / 100];
  // The speed figure (RELIABILITY.md: 10 ms p99) is reported, not asserted: timing asserts
  // flake on a shared machine. The bound only catches starvation: the busy loops never end
  // by themselves, so a remote task that had to wait for them would never start at all.
  std::printf("[fairness] remote spawn start latency p99 %lld us, max %lld us\n",
              static_cast<long long>(p99.count()), static_cast<long long>(latency.back().count()));
  EXPECT_LT(p99, 5s) << "p99 start latency of a remote spawn: " << p99.count()
                        << " us (max " << latency.back().count() << " us)";
}

} // namespace

namespace {

weft::task<void> set_flag(std::atomic<bool>* flag) {
  flag->store(true);
  co_return;
}

// Regression: a block_on root was polled without a cooperative budget, so a root looping
// over always-ready leaves never let the tasks it spawned run on a current-thread runtime.
weft::task<long> root_spinning_on_ready_leaves(std::atomic<bool>* flag) {
  auto h = weft::spawn(set_flag(flag));
  long iterations = 0;
  while (!flag->load() && iterations < 3'000'000) {
    co_await coop_ready{};
    ++iterations;
  }
  co_await h;
  co_return iterations;
}

TEST(FairnessTest, ABlockOnRootOnReadyLeavesLetsSpawnedTasksRun) {
  auto rt = weft::runtime::builder().current_thread().build();
  std::atomic<bool> flag{false};
  const long iterations = rt.block_on(root_spinning_on_ready_leaves(&flag));
  EXPECT_LT(iterations, 3'000'000) << "the spawned task never ran while the root looped";
  // One budget of ready leaves, then the root yields and the spawned task runs.
  EXPECT_LE(iterations, 2 * weft::coop::default_budget) << "the root ran past its budget";
}

TEST(FairnessTest, ABlockOnRootOnAWorkerRuntimeIsBudgetedToo) {
  auto rt = weft::runtime::builder().workers(1).build();
  // Counts the iterations that found the budget spent (each then yields once).
  const long exhausted = rt.block_on([]() -> weft::task<long> {
    long n = 0;
    for (int i = 0; i < 1000; ++i) {
      if (!weft::coop::has_budget()) ++n;
      co_await coop_ready{};
    }
    co_return n;
  }());
  EXPECT_GE(exhausted, 1000 / weft::coop::default_budget - 1) << "the root had no budget";
}

} // namespace
