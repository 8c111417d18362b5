// tests/task/block_on_test.cpp: block_on_current_thread: runs any future, sleeps (does not
// spin) while pending, wakes from other threads, and tolerates stale wakes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <optional>
#include <thread>

#include "support/manual_executor.hpp"
#include "support/runtime_support.hpp"
#include "weft/core.hpp"
#include "weft/task.hpp"

namespace {

using weft::context;
using weft::task;
using weft::test::manual_event;

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

TEST(BlockOnTest, RunsAPlainFuture) {
  EXPECT_EQ(weft::block_on_current_thread(weft::ready(3)), 3);
  int polls = 0;
  auto f = weft::poll_fn([&](context& cx) -> weft::poll<int> {
    if (++polls < 5) {
      cx.waker().wake_by_ref();  // self-wake: the parker must not sleep through it
      return weft::pending;
    }
    return weft::ready(polls);
  });
  EXPECT_EQ(weft::block_on_current_thread(f), 5);
}

TEST(BlockOnTest, SleepsWhileWaitingForAWakeFromAnotherThread) {
  using namespace std::chrono_literals;
  constexpr auto delay = 150ms;
  manual_event ev;
  auto body = [&]() -> task<int> {
    co_await ev.wait();
    co_return 1;
  };
  std::thread setter([&] {
    while (!ev.has_waker()) std::this_thread::yield();
    std::this_thread::sleep_for(delay);
    ev.set();
  });
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = thread_cpu_ms();
  EXPECT_EQ(weft::block_on_current_thread(body()), 1);
  const double cpu_ms = thread_cpu_ms() - cpu0;
  const auto wall = std::chrono::steady_clock::now() - wall0;
  setter.join();
  EXPECT_GE(wall, delay);
  // A spinning wait would burn about as much CPU as the wall time (150 ms); a parked thread
  // uses almost none. The bound leaves room for sanitizer builds and a busy machine.
  EXPECT_LT(cpu_ms, 40.0) << "blocked for "
                          << std::chrono::duration<double, std::milli>(wall).count()
                          << " ms using " << cpu_ms << " ms of CPU";
}

TEST(BlockOnTest, WakeBeforeParkIsNotLost) {
  // The wake arrives while the poll is still running (before the thread parks).
  for (int i = 0; i < 1000; ++i) {
    std::optional<std::thread> waker_thread;
    bool started = false;
    auto f = weft::poll_fn([&](context& cx) -> weft::poll<void> {
      if (started) return weft::ready();
      started = true;
      waker_thread.emplace([w = cx.waker()]() mutable { std::move(w).wake(); });
      waker_thread->join();  // the wake has happened before this poll returns
      return weft::pending;
    });
    weft::block_on_current_thread(f);
    ASSERT_TRUE(started);
  }
}

TEST(BlockOnTest, ManyCrossThreadWakeRounds) {
  constexpr int rounds = 20'000;
  manual_event events[2];
  std::atomic<int> turn{0};
  auto body = [&]() -> task<int> {
    int n = 0;
    for (int i = 0; i < rounds; ++i) {
      manual_event& ev = events[i % 2];
      co_await ev.wait();
      ev.reset();
      ++n;
      turn.store(i + 1);
    }
    co_return n;
  };
  std::thread setter([&] {
    for (int i = 0; i < rounds; ++i) {
      while (turn.load() != i) std::this_thread::yield();
      events[i % 2].set();
    }
  });
  EXPECT_EQ(weft::block_on_current_thread(body()), rounds);
  setter.join();
}

TEST(BlockOnTest, StaleWakesFromAnEarlierCallAreHarmless) {
  std::optional<weft::waker> stale;
  auto keep = weft::poll_fn([&](context& cx) -> weft::poll<int> {
    if (!stale) {
      stale.emplace(cx.waker());
      cx.waker().wake_by_ref();
      return weft::pending;
    }
    return weft::ready(1);
  });
  EXPECT_EQ(weft::block_on_current_thread(keep), 1);
  // The parker outlives the call; waking it now only makes the next park return early.
  stale->wake_by_ref();
  std::thread t([w = *stale]() mutable { std::move(w).wake(); });
  t.join();
  stale.reset();
  // The next call sees a pending notification: its first park returns at once, and it must
  // re-poll and park again rather than finish early.
  manual_event ev;
  std::thread setter([&] {
    while (!ev.has_waker()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ev.set();
  });
  auto wait = weft::poll_fn([w = ev.wait()](context& cx) mutable -> weft::poll<int> {
    if (w.poll(cx).is_pending()) return weft::pending;
    return weft::ready(7);
  });
  EXPECT_EQ(weft::block_on_current_thread(wait), 7);
  setter.join();
  EXPECT_GE(ev.polls(), 2);
}

} // namespace

namespace {

// Regression: nested block_on_current_thread calls shared the thread's one parker, so the
// inner call could consume the wake meant for the outer one, which then slept forever.
TEST(BlockOnTest, ANestedBlockOnDoesNotSwallowTheOuterWake) {
  weft::test::watchdog dog(std::chrono::seconds(20), "nested block_on_current_thread");
  std::thread outer_waker;
  std::thread inner_waker;
  manual_event inner_done;
  bool started = false;
  bool woken_once = false;
  const int r = weft::block_on_current_thread(weft::poll_fn([&](context& cx) -> weft::poll<int> {
    if (!started) {
      started = true;
      outer_waker = std::thread([w = cx.waker()] {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        w.wake_by_ref();  // arrives while the inner block_on is parked
      });
      inner_waker = std::thread([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        inner_done.set();
      });
      weft::block_on_current_thread(inner_done.wait());
      return weft::pending;  // the outer wake already came: the outer park must not sleep
    }
    woken_once = true;
    return weft::ready(7);
  }));
  outer_waker.join();
  inner_waker.join();
  EXPECT_EQ(r, 7);
  EXPECT_TRUE(woken_once);
}

} // namespace
