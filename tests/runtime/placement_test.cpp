// tests/runtime/placement_test.cpp: where tasks run. spawn_local and spawn_on pin a task to
// one worker for its whole life (it is never stolen nor moved), thread-per-core mode keeps
// every task on the worker it was spawned on, and with stealing on an idle worker steals
// from a busy one.
//
// Each task records the worker it runs on at every resumption (worker threads are named
// "<thread_name>-<index>", so the name identifies the worker).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::this_thread_name;

// What one task saw: the distinct workers it ran on.
struct trace {
  std::mutex mu;
  std::set<std::string> workers;
  void record() {
    auto n = this_thread_name();
    std::lock_guard lock(mu);
    workers.insert(std::move(n));
  }
  std::size_t count() {
    std::lock_guard lock(mu);
    return workers.size();
  }
  std::string first() {
    std::lock_guard lock(mu);
    return workers.empty() ? std::string() : *workers.begin();
  }
};

// Yields `n` times, doing a little work between, recording its worker at each step.
weft::task<void> wander(trace* t, int n, std::chrono::microseconds work) {
  for (int i = 0; i < n; ++i) {
    t->record();
    weft::test::spin_for(work);
    co_await weft::yield_now();
  }
  t->record();
}

std::size_t migrated(std::vector<trace>& traces) {
  std::size_t n = 0;
  for (auto& t : traces) n += t.count() > 1 ? 1 : 0;
  return n;
}

weft::task<std::string> spawn_locals(std::vector<trace>* traces, int yields) {
  const std::string here = this_thread_name();
  std::vector<weft::join_handle<void>> hs;
  for (auto& t : *traces) hs.push_back(weft::spawn_local(wander(&t, yields, 20us)));
  for (auto& h : hs) co_await h;
  co_return here;
}

TEST(PlacementTest, SpawnLocalTasksNeverLeaveTheirWorker) {
  // Stealing is on (the default): an idle worker looks for work in the busy one's queue,
  // and must leave the spawn_local tasks there.
  weft::test::watchdog dog(30s, "spawn_local placement");
  auto rt = weft::runtime::builder().workers(2).build();
  std::vector<trace> traces(16);
  const std::string spawner = rt.block_on(rt.spawn(spawn_locals(&traces, 200)));
  EXPECT_EQ(migrated(traces), 0u) << "spawn_local tasks ran on more than one worker";
  for (auto& t : traces) {
    if (t.count() == 1) {
      EXPECT_EQ(t.first(), spawner);
    }
  }
}

TEST(PlacementTest, SpawnLocalOutsideAWorkerThrows) {
  EXPECT_THROW((void)weft::spawn_local(weft::task<void>()), weft::spawn_error);
}

TEST(PlacementTest, SpawnOnPinsTasksToTheNamedWorker) {
  weft::test::watchdog dog(30s, "spawn_on placement");
  auto rt = weft::runtime::builder().workers(2).build();
  std::vector<trace> traces(16);
  std::vector<weft::join_handle<void>> hs;
  for (std::size_t i = 0; i < traces.size(); ++i)
    hs.push_back(rt.handle().spawn_on(i % 2, wander(&traces[i], 200, 20us)));
  for (auto& h : hs) rt.block_on(std::move(h));
  EXPECT_EQ(migrated(traces), 0u) << "spawn_on tasks ran on more than one worker";
  for (std::size_t i = 0; i < traces.size(); ++i) {
    if (traces[i].count() == 1) {
      EXPECT_EQ(traces[i].first(), "weft-worker-" + std::to_string(i % 2)) << "task " << i;
    }
  }
}

weft::task<void> spawn_on_from_inside(std::vector<trace>* traces) {
  std::vector<weft::join_handle<void>> hs;
  for (std::size_t i = 0; i < traces->size(); ++i)
    hs.push_back(weft::spawn_on(1, wander(&(*traces)[i], 50, 5us)));
  for (auto& h : hs) co_await h;
}

TEST(PlacementTest, SpawnOnFromAWorkerHandsTheTaskOver) {
  auto rt = weft::runtime::builder().workers(2).enable_stealing(false).build();
  std::vector<trace> traces(8);
  rt.block_on(rt.handle().spawn_on(0, spawn_on_from_inside(&traces)));
  EXPECT_EQ(migrated(traces), 0u);
  for (auto& t : traces) EXPECT_EQ(t.first(), "weft-worker-1");
}

weft::task<void> burst(std::vector<trace>* traces, int yields) {
  std::vector<weft::join_handle<void>> hs;
  hs.reserve(traces->size());
  for (auto& t : *traces) hs.push_back(weft::spawn(wander(&t, yields, 0us)));
  for (auto& h : hs) co_await h;
}

TEST(PlacementTest, ThreadPerCoreKeepsTasksOnTheirWorker) {
  // No stealing: a task spawned on a worker stays there, even when the burst is larger than
  // the local queue (256) and part of it overflows.
  weft::test::watchdog dog(30s, "thread-per-core placement");
  auto rt = weft::runtime::builder().workers(2).thread_per_core().build();
  std::vector<trace> traces(static_cast<std::size_t>(weft::test::scaled(2000, 2000, 600)));
  rt.block_on(rt.spawn(burst(&traces, 10)));
  EXPECT_EQ(migrated(traces), 0u) << "tasks moved between workers in thread-per-core mode";
  const auto m = rt.metrics();
  for (auto& w : m.workers) EXPECT_EQ(w.steals, 0u);
}

TEST(PlacementTest, ThreadPerCoreSpreadsForeignSpawnsAndKeepsThem) {
  auto rt = weft::runtime::builder().workers(2).thread_per_core().build();
  std::vector<trace> traces(200);
  std::vector<weft::join_handle<void>> hs;
  for (auto& t : traces) hs.push_back(rt.spawn(wander(&t, 20, 0us)));
  for (auto& h : hs) rt.block_on(std::move(h));
  EXPECT_EQ(migrated(traces), 0u);
  std::set<std::string> used;
  for (auto& t : traces) used.insert(t.first());
  EXPECT_EQ(used.size(), 2u) << "foreign spawns should be spread over the workers";
}

weft::task<void> spin_task(std::chrono::microseconds d, std::atomic<long>* done) {
  weft::test::spin_for(d);
  done->fetch_add(1, std::memory_order_relaxed);
  co_return;
}

// Spawns in batches smaller than the local queue (256), so nothing overflows into the
// inject queue: the other worker can only get a share by stealing.
weft::task<void> spin_burst(long n, std::atomic<long>* done) {
  constexpr long batch = 128;
  std::vector<weft::join_handle<void>> hs;
  for (long first = 0; first < n; first += batch) {
    hs.clear();
    for (long i = first; i < std::min(n, first + batch); ++i)
      hs.push_back(weft::spawn(spin_task(10us, done)));
    for (auto& h : hs) co_await h;
  }
}

TEST(PlacementTest, IdleWorkerStealsFromABusyOne) {
  weft::test::watchdog dog(30s, "stealing");
  auto rt = weft::runtime::builder().workers(2).enable_stealing(true).build();
  std::atomic<long> done{0};
  const long n = 10'000;
  rt.block_on(rt.spawn(spin_burst(n, &done)));
  EXPECT_EQ(done.load(), n);
  const auto m = rt.metrics();
  std::uint64_t steals = 0, stolen = 0;
  for (auto& w : m.workers) {
    steals += w.steals;
    stolen += w.stolen_tasks;
  }
  EXPECT_GT(steals, 0u);
  EXPECT_GE(stolen, steals);
}

} // namespace
