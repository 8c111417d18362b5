// tests/runtime/idle_test.cpp: an idle runtime sleeps. After some work, the worker threads'
// CPU time (their per-thread CPU clocks, collected by an on_thread_start hook) must grow by
// less than 1% of the wall time while nothing is scheduled; and one wake unparks about one
// worker (parks grow by a handful, not by the worker count, per wake).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>
#include <time.h>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::handoff;
using weft::test::thread_cpu_time;
using weft::test::wait_until;

struct worker_clocks {
  std::mutex mu;
  std::vector<clockid_t> clocks;
  void add_current() {
    clockid_t c{};
    ASSERT_EQ(pthread_getcpuclockid(pthread_self(), &c), 0);
    std::lock_guard lock(mu);
    clocks.push_back(c);
  }
  std::chrono::nanoseconds total() {
    std::lock_guard lock(mu);
    std::chrono::nanoseconds sum{};
    for (auto c : clocks) sum += thread_cpu_time(c);
    return sum;
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return clocks.size();
  }
};

weft::task<void> some_work(int n) {
  std::vector<weft::join_handle<void>> hs;
  for (int i = 0; i < n; ++i) hs.push_back(weft::spawn([]() -> weft::task<void> {
    co_await weft::yield_now();
  }()));
  for (auto& h : hs) co_await h;
}

class IdleTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(IdleTest, IdleWorkersUseLessThanOnePercentOfACore) {
  const std::size_t workers = GetParam();
  worker_clocks clocks;
  auto rt = weft::runtime::builder()
                .workers(workers)
                .on_thread_start([&] { clocks.add_current(); })
                .build();
  ASSERT_TRUE(wait_until([&] { return clocks.size() == workers; }));
  rt.block_on(rt.spawn(some_work(2000)));
  std::this_thread::sleep_for(50ms);  // let the last searchers park

  const auto cpu0 = clocks.total();
  const auto wall0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(300ms);
  const auto cpu = clocks.total() - cpu0;
  const auto wall = std::chrono::steady_clock::now() - wall0;
  EXPECT_LT(cpu * 100, wall) << "idle workers burned "
                             << std::chrono::duration_cast<std::chrono::microseconds>(cpu).count()
                             << " us of CPU in "
                             << std::chrono::duration_cast<std::chrono::milliseconds>(wall).count()
                             << " ms";
}

INSTANTIATE_TEST_SUITE_P(Workers, IdleTest, ::testing::Values(1, 2, 8),
                         [](const auto& p) { return std::to_string(p.param) + "Workers"; });

weft::task<void> wait_once(handoff* h) { co_await h->take(); }

TEST(IdleWakeTest, OneWakeUnparksAboutOneWorker) {
  constexpr std::size_t workers = 8;
  auto rt = weft::runtime::builder().workers(workers).build();
  rt.block_on(rt.spawn(some_work(100)));
  std::this_thread::sleep_for(50ms);
  auto parks = [&] {
    std::uint64_t n = 0;
    for (auto& w : rt.metrics().workers) n += w.parks;
    return n;
  };
  constexpr int wakes = 50;
  std::vector<handoff> slots(wakes);
  std::vector<weft::join_handle<void>> hs;
  for (auto& s : slots) hs.push_back(rt.spawn(wait_once(&s)));
  ASSERT_TRUE(wait_until([&] {
    return rt.metrics().live_tasks == wakes && rt.metrics().inject_queue_depth == 0;
  }));
  std::this_thread::sleep_for(50ms);
  const auto before = parks();
  for (auto& s : slots) {
    s.put();
    std::this_thread::sleep_for(2ms);  // let the woken worker run it and park again
  }
  for (auto& h : hs) rt.block_on(std::move(h));
  std::this_thread::sleep_for(20ms);
  const auto per_wake = static_cast<double>(parks() - before) / wakes;
  // One worker runs the task; at most a searcher or two more look around. Waking all eight
  // would show about 8 parks per wake.
  EXPECT_LT(per_wake, 3.0) << "parks per wake: " << per_wake;
}

} // namespace

namespace {

// Regression: a worker about to park counted a peer's queue as stealable only when it held
// more than one task, though a steal can take a single one; a task spawned by a busy worker
// while its peer was searching (so the spawn's notification was skipped) then waited for the
// busy worker to finish. Here a busy task keeps spawning a short task, then a second one
// after a random delay, and spins until that one starts (or 500 ms pass: stranded).
weft::task<void> mark(std::atomic<bool>* started) {
  started->store(true);
  co_return;
}

weft::task<int> spawn_while_busy(int rounds, unsigned seed) {
  int stranded = 0;
  for (int i = 0; i < rounds; ++i) {
    seed = seed * 1103515245u + 12345u;
    weft::spawn(weft::yield_now()).detach();  // keeps the peer waking up and searching
    weft::test::spin_for(std::chrono::microseconds((seed >> 16) % 60));
    std::atomic<bool> started{false};
    auto h = weft::spawn(mark(&started));
    const auto deadline = std::chrono::steady_clock::now() + 500ms;
    while (!started.load() && std::chrono::steady_clock::now() < deadline) weft::detail::spin_pause();
    if (!started.load()) ++stranded;
    co_await h;
  }
  co_return stranded;
}

TEST(IdleWakeTest, ASingleTaskSpawnedByABusyWorkerIsStolen) {
  weft::test::watchdog dog(120s, "single stealable task");
  auto rt = weft::runtime::builder().workers(2).build();
  const int rounds = static_cast<int>(weft::test::scaled(3000, 1500, 300));
  EXPECT_EQ(rt.block_on(rt.spawn(spawn_while_busy(rounds, 12345))), 0)
      << "tasks waited for their busy spawner instead of being stolen by the idle worker";
}

} // namespace
