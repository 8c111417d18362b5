// tests/runtime/conservation_test.cpp: spawn/complete conservation. Tasks are spawned from
// workers (a task spawning children) and from foreign std::threads (handle().spawn), half of
// them ready at once, half yielding a few times, on 1, 2, 4 and 16 workers (the machine has 2
// cores, so 16 workers oversubscribe it). Oracles: completed == spawned, the runtime's live
// task count and the futures' lifetime counter both return to 0, and the metrics agree.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "support/lifetime_counter.hpp"
#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::lifetime_log;
using weft::test::lifetime_token;
using weft::test::wait_until;

weft::task<void> leaf(lifetime_token token, int yields, std::atomic<long>* completed) {
  for (int i = 0; i < yields; ++i) co_await weft::yield_now();
  completed->fetch_add(1);
  (void)token;
}

// Spawns `n` leaves from a worker; keeps the handles of every other one and awaits them,
// detaches the rest.
weft::task<void> spawner(lifetime_log* log, long n, std::atomic<long>* completed) {
  std::vector<weft::join_handle<void>> kept;
  kept.reserve(static_cast<std::size_t>(n / 2 + 1));
  for (long i = 0; i < n; ++i) {
    auto h = weft::spawn(leaf(lifetime_token(*log, static_cast<int>(i)), i % 2 == 0 ? 0 : 3,
                              completed));
    if (i % 2 == 0) {
      kept.push_back(std::move(h));
    } else {
      h.detach();
    }
  }
  for (auto& h : kept) co_await h;
}

class ConservationTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ConservationTest, EverySpawnedTaskCompletesOnceAndNothingLeaks) {
  const std::size_t workers = GetParam();
  const long total = weft::test::scaled(50'000, 50'000, 20'000);
  const long from_workers = total / 2;
  constexpr int foreign_threads = 4;
  const long per_foreign = (total - from_workers) / foreign_threads;
  const long spawned = from_workers + per_foreign * foreign_threads;

  weft::test::watchdog dog(60s, "conservation test");
  lifetime_log log;
  std::atomic<long> completed{0};
  {
    auto rt = weft::runtime::builder().workers(workers).build();

    // Foreign threads and a worker-side spawner run at the same time.
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < foreign_threads; ++t) {
      threads.emplace_back([&, t] {
        weft::handle h = rt.handle();
        while (!go.load()) std::this_thread::yield();
        std::vector<weft::join_handle<void>> kept;
        for (long i = 0; i < per_foreign; ++i) {
          auto jh = h.spawn(leaf(lifetime_token(log, static_cast<int>(t * per_foreign + i)),
                                 i % 2 == 0 ? 0 : 2, &completed));
          if (i % 3 == 0) kept.push_back(std::move(jh));  // the rest are dropped (detached)
        }
        for (auto& jh : kept) h.block_on(std::move(jh));
      });
    }
    auto root = rt.spawn(spawner(&log, from_workers, &completed));
    go.store(true);
    for (auto& th : threads) th.join();
    rt.block_on(std::move(root));

    ASSERT_TRUE(wait_until([&] { return completed.load() == spawned; }, 30s))
        << "completed " << completed.load() << " of " << spawned;
    ASSERT_TRUE(wait_until([&] { return rt.metrics().live_tasks == 0; }))
        << "live tasks: " << rt.metrics().live_tasks;
    ASSERT_TRUE(wait_until([&] { return log.live() == 0; })) << "live futures: " << log.live();

    auto m = rt.metrics();
    std::uint64_t m_spawned = m.spawned_outside, m_completed = m.completed_outside;
    for (auto& w : m.workers) {
      m_spawned += w.spawned;
      m_completed += w.completed;
    }
    EXPECT_EQ(m_spawned, static_cast<std::uint64_t>(spawned + 1));  // + the spawner
    EXPECT_EQ(m_completed, static_cast<std::uint64_t>(spawned + 1));
    EXPECT_EQ(m.workers.size(), workers);
  }
  EXPECT_EQ(completed.load(), spawned);
  EXPECT_EQ(log.constructed(), spawned);
  EXPECT_EQ(log.destroyed(), spawned);
}

INSTANTIATE_TEST_SUITE_P(Workers, ConservationTest, ::testing::Values(1, 2, 4, 16),
                         [](const auto& p) { return std::to_string(p.param) + "Workers"; });

} // namespace
