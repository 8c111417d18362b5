// tests/runtime/wake_stress_test.cpp: lost-wakeup hunt. Pairs of tasks hand a token back
// and forth through handoff slots (a flag and a waker under a mutex), so every step is a
// cross-thread wake of a parked or soon-parking task. 10^5+ hand-offs; a lost wake hangs,
// which the watchdog turns into a failure.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <random>
#include <string>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::handoff;

// Sends first when `serve`; yields at random points to shuffle the interleavings.
weft::task<long> player(handoff* in, handoff* out, long rounds, bool serve, unsigned seed) {
  std::minstd_rand rng(seed);
  long got = 0;
  if (serve) out->put();
  for (long i = 0; i < rounds; ++i) {
    co_await in->take();
    ++got;
    if (rng() % 8 == 0) co_await weft::yield_now();
    if (!serve || i + 1 < rounds) out->put();
  }
  co_return got;
}

// Runs `body` on a std::async thread and fails (instead of hanging) after `limit`.
template <class Body> void with_deadline(std::chrono::seconds limit, Body body) {
  auto f = std::async(std::launch::async, std::move(body));
  if (f.wait_for(limit) == std::future_status::timeout) {
    ADD_FAILURE() << "no progress for " << limit.count() << " s: a wake-up was lost";
    std::fflush(stdout);
    std::abort();  // the hung thread cannot be joined; end the test binary with the failure
  }
  f.get();
}

TEST(WakeStressTest, PinnedPingPongAcrossTwoWorkers) {
  // Stealing off and each player pinned to its own worker: every hand-off is a wake from one
  // worker to a task owned by the other (the remote-queue path).
  const long rounds = weft::test::scaled(100'000, 100'000, 50'000);
  with_deadline(60s, [rounds] {
    auto rt = weft::runtime::builder().workers(2).enable_stealing(false).build();
    handoff a_to_b, b_to_a;
    auto a = rt.handle().spawn_on(0, player(&b_to_a, &a_to_b, rounds, true, 1));
    auto b = rt.handle().spawn_on(1, player(&a_to_b, &b_to_a, rounds, false, 2));
    EXPECT_EQ(rt.block_on(std::move(a)), rounds);
    EXPECT_EQ(rt.block_on(std::move(b)), rounds);
  });
}

TEST(WakeStressTest, ManyPairsWithStealingAndYields) {
  const long rounds = weft::test::scaled(50'000, 25'000, 10'000);
  constexpr int pairs = 4;  // 4 pairs × rounds × 2 hand-offs ≥ 2·10^5 in Debug
  with_deadline(60s, [rounds] {
    auto rt = weft::runtime::builder().workers(2).build();
    std::vector<handoff> slots(2 * pairs);
    std::vector<weft::join_handle<long>> hs;
    for (int p = 0; p < pairs; ++p) {
      handoff* ab = &slots[static_cast<std::size_t>(2 * p)];
      handoff* ba = &slots[static_cast<std::size_t>(2 * p + 1)];
      hs.push_back(rt.spawn(player(ba, ab, rounds, true, static_cast<unsigned>(10 + p))));
      hs.push_back(rt.spawn(player(ab, ba, rounds, false, static_cast<unsigned>(20 + p))));
    }
    for (auto& h : hs) EXPECT_EQ(rt.block_on(std::move(h)), rounds);
  });
}

TEST(WakeStressTest, ForeignThreadWakesATaskOnAWorker) {
  // The waker side is a plain std::thread: wakes go through the inject queue and unpark a
  // sleeping worker each time.
  const long rounds = weft::test::scaled(50'000, 50'000, 25'000);
  with_deadline(60s, [rounds] {
    auto rt = weft::runtime::builder().workers(2).build();
    handoff to_task, to_thread;
    auto h = rt.spawn(player(&to_task, &to_thread, rounds, false, 3));
    weft::handle hd = rt.handle();
    for (long i = 0; i < rounds; ++i) {
      to_task.put();
      hd.block_on(to_thread.take());
    }
    EXPECT_EQ(rt.block_on(std::move(h)), rounds);
  });
}

// A player that also checks it always runs on the worker named `home`.
weft::task<long> homebound_player(handoff* in, handoff* out, long rounds, bool serve,
                                  std::string home, std::atomic<long>* strays) {
  long got = 0;
  if (serve) out->put();
  for (long i = 0; i < rounds; ++i) {
    co_await in->take();
    ++got;
    if (weft::test::this_thread_name() != home) strays->fetch_add(1);
    if (!serve || i + 1 < rounds) out->put();
  }
  co_return got;
}

TEST(WakeStressTest, PingPongBetweenTwoRuntimes) {
  // A wake from a worker of one runtime to a task of another must go through the other's
  // queues, never into the waking worker's own.
  const long rounds = weft::test::scaled(20'000, 10'000, 5'000);
  with_deadline(60s, [rounds] {
    auto rt1 = weft::runtime::builder().workers(1).thread_name("rt-one").build();
    auto rt2 = weft::runtime::builder().workers(1).thread_name("rt-two").build();
    handoff a_to_b, b_to_a;
    std::atomic<long> strays{0};
    auto a = rt1.spawn(homebound_player(&b_to_a, &a_to_b, rounds, true, "rt-one-0", &strays));
    auto b = rt2.spawn(homebound_player(&a_to_b, &b_to_a, rounds, false, "rt-two-0", &strays));
    EXPECT_EQ(rt1.block_on(std::move(a)), rounds);
    EXPECT_EQ(rt2.block_on(std::move(b)), rounds);
    EXPECT_EQ(strays.load(), 0) << "a task ran on the other runtime's worker";
  });
}

} // namespace
