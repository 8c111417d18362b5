// tests/time/sleep_test.cpp: sleep and sleep_until on the real clock: never early (measured
// with the steady clock and with weft's now()), past and present deadlines complete on the
// first poll, many concurrent sleeps, reset, drops; on a current-thread runtime, on workers
// and on the block_on thread of a multi-thread runtime.
#include <gtest/gtest.h>

#include <weft/time/sleep.hpp>

#include <weft/time.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/core/coop.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// Polls `f` exactly once inside a task; output: whether it was ready. The poll gets an
/// unlimited budget: a leaf out of budget is rightly pending (chaos builds draw budgets at
/// random), and these tests ask about the deadline, not the budget.
template <class F> auto first_poll_ready(F& f) {
  return weft::poll_fn([&f](weft::context& cx) -> weft::poll<bool> {
    weft::coop::budget_scope unlimited(-1);
    return weft::poll<bool>(std::in_place, f.poll(cx).is_ready());
  });
}

weft::task<steady::duration> timed_sleep(std::chrono::milliseconds d) {
  const auto start = steady::now();
  const auto deadline = weft::time::now() + d;
  co_await weft::time::sleep(d);
  EXPECT_GE(weft::time::now(), deadline);
  co_return steady::now() - start;
}

TEST(SleepTest, SleepsOf1To20MsNeverCompleteEarly) {
  auto mt = weft::runtime::builder().workers(2).build();
  auto ct = weft::runtime::builder().current_thread().build();
  for (auto d : {1ms, 5ms, 20ms}) {
    for (int i = 0; i < 5; ++i) {
      EXPECT_GE(ct.block_on(timed_sleep(d)), d) << "current-thread";
      EXPECT_GE(mt.block_on(timed_sleep(d)), d) << "block_on thread";
      EXPECT_GE(mt.block_on(mt.spawn(timed_sleep(d))), d) << "worker";
    }
  }
}

TEST(SleepTest, ManyConcurrentSleepsNeverCompleteEarly) {
  const long tasks = weft::test::scaled(10'000, 5'000, 1'000);
  auto rt = weft::runtime::builder().workers(2).build();
  std::vector<long long> late_us(static_cast<std::size_t>(tasks));
  std::atomic<long> early{0};
  rt.block_on([&]() -> weft::task<void> {
    std::vector<weft::join_handle<void>> hs;
    for (long i = 0; i < tasks; ++i) {
      hs.push_back(weft::spawn([](long id, long long* late, std::atomic<long>* e) -> weft::task<void> {
        const auto d = std::chrono::milliseconds(1 + id % 50);
        const auto deadline = steady::now() + d;
        co_await weft::time::sleep(d);
        const auto now = steady::now();
        if (now < deadline) e->fetch_add(1);
        *late = std::chrono::duration_cast<std::chrono::microseconds>(now - deadline).count();
      }(i, &late_us[static_cast<std::size_t>(i)], &early)));
    }
    for (auto& h : hs) co_await h;
  }());
  EXPECT_EQ(early.load(), 0);
  std::sort(late_us.begin(), late_us.end());
  std::printf("[lateness] %ld sleeps: p50 %lld us, p99 %lld us, max %lld us\n", tasks,
              late_us[late_us.size() / 2], late_us[late_us.size() * 99 / 100], late_us.back());
}

TEST(SleepTest, SleepUntilInThePastCompletesOnTheFirstPoll) {
  auto rt = weft::runtime::builder().current_thread().build();
  rt.block_on([]() -> weft::task<void> {
    auto s = weft::time::sleep_until(weft::time::now() - 1s);
    EXPECT_TRUE(co_await first_poll_ready(s));
    EXPECT_TRUE(s.is_elapsed());
    auto t = weft::time::sleep_until(weft::time::instant{});  // the epoch of the steady clock
    EXPECT_TRUE(co_await first_poll_ready(t));
  }());
}

TEST(SleepTest, ZeroAndPresentDeadlinesCompleteOnTheFirstPoll) {
  // sleep(0) and sleep_until(now()) have already elapsed when first polled (now() >=
  // deadline), like tokio's. They must not wait for the next 1 ms wheel tick.
  auto rt = weft::runtime::builder().current_thread().build();
  const int ready = rt.block_on([]() -> weft::task<int> {
    int n = 0;
    for (int i = 0; i < 20; ++i) {
      auto a = weft::time::sleep(0ms);
      n += (co_await first_poll_ready(a)) ? 1 : 0;
      auto b = weft::time::sleep_until(weft::time::now());
      n += (co_await first_poll_ready(b)) ? 1 : 0;
      co_await weft::time::sleep(a.deadline() - weft::time::now() + 2ms);  // let both go
    }
    co_return n;
  }());
  EXPECT_EQ(ready, 40) << "sleep(0) / sleep_until(now()) were pending on their first poll "
                          "(sleep.hpp: the tick-rounding test rejects deadlines inside the "
                          "current millisecond)";
}

TEST(SleepTest, ResetMovesTheDeadline) {
  auto rt = weft::runtime::builder().workers(1).build();
  rt.block_on([]() -> weft::task<void> {
    auto s = weft::time::sleep(1h);
    EXPECT_FALSE(co_await first_poll_ready(s));  // registered on this thread's wheel
    const auto start = steady::now();
    s.reset(weft::time::now() + 10ms);
    co_await s;
    const auto took = steady::now() - start;
    EXPECT_GE(took, 10ms);
    EXPECT_LT(took, 10s);
    EXPECT_TRUE(s.is_elapsed());
    // Reset after completion: it runs again.
    s.reset(weft::time::now() + 5ms);
    EXPECT_FALSE(s.is_elapsed());
    co_await s;
    EXPECT_TRUE(s.is_elapsed());
  }());
}

TEST(SleepTest, DroppedSleepsDoNotWakeTheirTask) {
  // Sleeps registered with a counting proxy waker and dropped before their deadline: once
  // the deadline has passed, the proxy was never woken (the wheel no longer holds them; under
  // ASan a stale node would be a use-after-free).
  auto rt = weft::runtime::builder().current_thread().build();
  weft::test::proxy_waker proxy;
  rt.block_on([&]() -> weft::task<void> {
    co_await weft::poll_fn([&](weft::context& cx) -> weft::poll<void> {
      const weft::waker w = proxy.lend(cx.waker());
      weft::context inner(w);
      weft::coop::budget_scope unlimited(-1);  // no out-of-budget wakes of the proxy
      for (int i = 0; i < 100; ++i) {
        auto s = weft::time::sleep(std::chrono::milliseconds(100 + i % 10));  // long enough
        // that a chaos build's injected delays do not let it elapse before its first poll
        EXPECT_TRUE(s.poll(inner).is_pending());
      }  // each dropped at once
      return weft::ready();
    });
    co_await weft::time::sleep(130ms);  // every dropped deadline has passed
  }());
  EXPECT_EQ(proxy.wakes(), 0);
}

TEST(SleepTest, SleepsSpreadOverManyWheelLevelsFireInOrder) {
  // Deadlines from 1 ms to ~5 s (several wheel levels, cascades on the way) on the real
  // clock with a small sample: each fires no earlier than its deadline.
  auto rt = weft::runtime::builder().workers(2).build();
  std::atomic<long> early{0};
  rt.block_on([&]() -> weft::task<void> {
    std::vector<weft::join_handle<void>> hs;
    for (int i = 0; i < 12; ++i) {
      const auto d = std::chrono::milliseconds(1 << (i % 13));  // 1, 2, 4, ... 2048 ms
      hs.push_back(weft::spawn([](std::chrono::milliseconds dd, std::atomic<long>* e) -> weft::task<void> {
        const auto deadline = steady::now() + dd;
        co_await weft::time::sleep(dd);
        if (steady::now() < deadline) e->fetch_add(1);
      }(d, &early)));
    }
    for (auto& h : hs) co_await h;
  }());
  EXPECT_EQ(early.load(), 0);
}

} // namespace

namespace {

// Regression: dropping a sleep on a worker other than the one whose wheel holds its timer
// waited until that worker served its remote queue, i.e. not at all while it ran a long task.
// Here the owner spins until the drop on the other worker has returned: before, that was a
// deadlock (the watchdog fired); now the drop is fire and forget.
TEST(SleepTest, DroppingASleepOwnedByABusyWorkerDoesNotWait) {
  weft::test::watchdog dog(20s, "cross-worker sleep drop while the owner is busy");
  auto rt = weft::runtime::builder().workers(2).enable_stealing(false).build();
  std::atomic<weft::time::sleep_future*> passed{nullptr};
  std::atomic<bool> dropped{false};
  // Named closures: a coroutine lambda's captures live in the closure, which must outlive
  // the task.
  auto owner_body = [&]() -> weft::task<void> {
    auto s = std::make_unique<weft::time::sleep_future>(weft::time::sleep(1h));
    co_await weft::poll_fn([&](weft::context& cx) -> weft::poll<void> {
      EXPECT_TRUE(s->poll(cx).is_pending());  // linked into worker 0's wheel
      return weft::ready();
    });
    passed.store(s.release());
    while (!dropped.load()) weft::detail::spin_pause();  // busy: serves nothing meanwhile
  };
  auto dropper_body = [&]() -> weft::task<void> {
    while (passed.load() == nullptr) co_await weft::yield_now();
    delete passed.load();  // on worker 1
    dropped.store(true);
  };
  auto owner = rt.handle().spawn_on(0, owner_body());
  auto dropper = rt.handle().spawn_on(1, dropper_body());
  rt.block_on(std::move(dropper));
  rt.block_on(std::move(owner));
}

// Sleeps dropped on other workers and sleeps firing race freely: every node is freed once
// (ASan), nothing fires for a dropped sleep, and no drop waits.
TEST(SleepTest, CrossWorkerDropsRacingFiresAreSafe) {
  weft::test::watchdog dog(60s, "cross-worker sleep drops racing fires");
  auto rt = weft::runtime::builder().workers(2).build();
  const int n = static_cast<int>(weft::test::scaled(20000, 5000, 2000));
  rt.block_on(rt.spawn([](int count) -> weft::task<void> {
    std::vector<weft::join_handle<void>> hs;
    for (int i = 0; i < count; ++i) {
      hs.push_back(weft::spawn([](int k) -> weft::task<void> {
        // Races a 0-2 ms deadline against a yield that may move the task to the other worker.
        auto t = weft::time::timeout(std::chrono::milliseconds(k % 3), weft::yield_now());
        (void)co_await t;
      }(i)));
    }
    for (auto& h : hs) co_await h;
  }(n)));
}

} // namespace
