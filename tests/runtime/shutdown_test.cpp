// tests/runtime/shutdown_test.cpp: dropping a runtime with many blocked and busy tasks ends
// promptly, destroys every future exactly once and joins every thread (repeated, to catch
// growth); spawning after shutdown throws spawn_error; wakers and join handles that outlive
// the runtime are harmless (run under ASan: nothing may touch freed memory).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using weft::test::drop_probe;
using weft::test::parked_forever;
using weft::test::probe_stats;
using weft::test::wait_until;
using weft::test::waker_slot;

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

weft::task<void> parked(drop_probe probe, std::atomic<long>* polls, waker_slot* slot) {
  co_await parked_forever(slot, polls);
  (void)probe;
}

weft::task<void> yielding_forever(drop_probe probe) {
  for (;;) co_await weft::yield_now();
  (void)probe;
}

weft::task<void> spawn_parked(probe_stats* stats, std::atomic<long>* polls, long n) {
  for (long i = 0; i < n; ++i) weft::spawn(parked(drop_probe(*stats), polls, nullptr)).detach();
  co_return;
}

TEST(ShutdownTest, DroppingARuntimeWithBlockedTasksIsPromptAndExact) {
  const long tasks = weft::test::scaled(10'000, 10'000, 4'000);
  const int rounds = static_cast<int>(weft::test::scaled(50, 50, 20));
  const long yielders = 64;
  weft::test::watchdog dog(50s, "shutdown rounds");
  const std::size_t threads_before = thread_count();
  clock_type::duration slowest{};
  for (int round = 0; round < rounds; ++round) {
    probe_stats stats;
    std::atomic<long> polls{0};
    {
      auto rt = weft::runtime::builder().workers(round % 3 == 0 ? 1 : 2).build();
      // Half spawned from a worker, half from here; some busy yielding loops.
      rt.block_on(rt.spawn(spawn_parked(&stats, &polls, tasks / 2)));
      for (long i = 0; i < tasks / 2; ++i) {
        auto h = rt.spawn(parked(drop_probe(stats), &polls, nullptr));
        if (i % 2 == 0) h.detach();  // the others are dropped at once, which also detaches
      }
      for (long i = 0; i < yielders; ++i) rt.spawn(yielding_forever(drop_probe(stats))).detach();
      // Every other round waits until every parked task was polled; the rest shut down with
      // tasks still queued.
      if (round % 2 == 0) {
        ASSERT_TRUE(wait_until([&] { return polls.load() == tasks; }))
            << polls.load() << " of " << tasks << " polled";
      }
      const auto start = clock_type::now();
      rt.shutdown();
      const auto took = clock_type::now() - start;
      slowest = std::max(slowest, took);
      EXPECT_EQ(stats.destroyed(), tasks + yielders) << "round " << round;
      EXPECT_EQ(rt.metrics().live_tasks, 0u);
    }
    ASSERT_EQ(stats.made(), tasks + yielders);
    ASSERT_EQ(stats.destroyed(), tasks + yielders) << "round " << round;
    ASSERT_EQ(stats.destroyed_on(std::this_thread::get_id()), 0)
        << "futures must be destroyed on the workers";
  }
  // A hang detector, not a speed goal (speed lives in bench/).
  EXPECT_LT(slowest, 20s)
      << "slowest shutdown: "
      << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count() << " ms";
  // <=: a thread of an earlier test may still have been on its way out at the first count.
  EXPECT_TRUE(wait_until([&] { return thread_count() <= threads_before; }, 2s))
      << thread_count() << " threads now, " << threads_before << " before";
}

weft::task<int> answer() { co_return 42; }

TEST(ShutdownTest, SpawnAfterShutdownThrowsSpawnError) {
  auto rt = weft::runtime::builder().workers(2).build();
  auto h = rt.handle();
  rt.shutdown();
  EXPECT_THROW((void)rt.spawn(answer()), weft::spawn_error);
  EXPECT_THROW((void)h.spawn(answer()), weft::spawn_error);
  EXPECT_THROW((void)h.spawn_on(1, answer()), weft::spawn_error);
  EXPECT_EQ(rt.metrics().live_tasks, 0u);
  rt.shutdown();  // idempotent
}

TEST(ShutdownTest, SpawnFromAForeignThreadDuringShutdownIsRefusedOrCancelled) {
  // A spawner racing shutdown: every spawn either throws spawn_error or its task is
  // cancelled (or finished) with its future destroyed exactly once.
  for (int round = 0; round < 20; ++round) {
    probe_stats stats;
    std::atomic<long> refused{0};
    std::vector<weft::join_handle<void>> hs;
    std::atomic<bool> go{false};
    std::optional<weft::runtime> rt(weft::runtime::builder().workers(2).build());
    std::thread spawner([&, h = rt->handle()] {
      while (!go.load()) {
      }
      for (int i = 0; i < 2000; ++i) {
        try {
          hs.push_back(h.spawn(parked(drop_probe(stats), nullptr, nullptr)));
        } catch (const weft::spawn_error&) {
          refused.fetch_add(1);
        }
      }
    });
    go.store(true);
    std::this_thread::sleep_for(std::chrono::microseconds(50 * round));
    rt->shutdown();
    spawner.join();
    rt.reset();
    for (auto& h : hs) EXPECT_TRUE(h.is_finished());
    EXPECT_EQ(static_cast<long>(hs.size()) + refused.load(), 2000);
    EXPECT_EQ(stats.made(), stats.destroyed());
  }
}

TEST(ShutdownTest, WakersAndHandlesOutlivingTheRuntimeAreHarmless) {
  constexpr int n = 100;
  std::vector<waker_slot> slots(n);
  std::vector<weft::join_handle<void>> hs;
  probe_stats stats;
  std::atomic<long> polls{0};
  {
    auto rt = weft::runtime::builder().workers(2).build();
    for (int i = 0; i < n; ++i) hs.push_back(rt.spawn(parked(drop_probe(stats), &polls, &slots[i])));
    ASSERT_TRUE(wait_until([&] { return polls.load() == n; }))
      << polls.load() << " of " << n << " polled";
  }
  EXPECT_EQ(stats.destroyed(), n);
  std::vector<weft::waker> wakers;
  for (auto& s : slots) {
    auto w = s.take();
    ASSERT_TRUE(w.has_value());
    wakers.push_back(std::move(*w));
  }
  // Wake every way there is, here and on another thread.
  for (auto& w : wakers) w.wake_by_ref();
  std::thread other([&] {
    for (auto& w : wakers) {
      weft::waker copy = w;
      copy.wake_by_ref();
      std::move(copy).wake();
    }
  });
  other.join();
  for (auto& w : wakers) std::move(w).wake();
  wakers.clear();
  for (auto& h : hs) {
    EXPECT_TRUE(h.is_finished());
    h.abort();  // after the runtime: a no-op
    EXPECT_TRUE(weft::block_on_current_thread(h.outcome()).is_cancelled());
  }
  hs.clear();
}

// Holds a clone of another task's waker and wakes it when destroyed (as a channel sender
// would wake its receiver when dropped).
class wake_on_drop {
public:
  explicit wake_on_drop(std::optional<weft::waker> w) : w_(std::move(w)) {}
  wake_on_drop(wake_on_drop&& o) noexcept : w_(std::move(o.w_)) { o.w_.reset(); }
  wake_on_drop(const wake_on_drop&) = delete;
  wake_on_drop& operator=(const wake_on_drop&) = delete;
  wake_on_drop& operator=(wake_on_drop&&) = delete;
  ~wake_on_drop() {
    if (w_) std::move(*w_).wake();
  }

private:
  std::optional<weft::waker> w_;
};

weft::task<void> parked_waking_on_drop(drop_probe probe, wake_on_drop w, std::atomic<long>* polls,
                                       waker_slot* slot) {
  co_await parked_forever(slot, polls);
  (void)probe;
  (void)w;
}

TEST(ShutdownTest, FuturesWakingOtherTasksWhileBeingCancelledAreHandled) {
  // A chain: task i holds task i-1's waker and wakes it from its destructor, so shutdown's
  // cancellations schedule tasks that shutdown is about to cancel (or already did).
  for (int round = 0; round < 10; ++round) {
    constexpr int n = 500;
    probe_stats stats;
    std::atomic<long> polls{0};
    std::vector<waker_slot> slots(n);
    {
      auto rt = weft::runtime::builder().workers(2).build();
      for (int i = 0; i < n; ++i) {
        std::optional<weft::waker> prev;
        if (i > 0) {
          ASSERT_TRUE(wait_until([&] { return slots[i - 1].has_waker(); }));
          prev = slots[i - 1].take();
        }
        rt.spawn(parked_waking_on_drop(drop_probe(stats), wake_on_drop(std::move(prev)), &polls,
                                       &slots[i]))
            .detach();
      }
      ASSERT_TRUE(wait_until([&] { return polls.load() >= n; }));
    }
    EXPECT_EQ(stats.made(), n);
    EXPECT_EQ(stats.destroyed(), n);
    for (auto& s : slots) s.take();  // drop the last clone
  }
}

weft::task<void> awaits_child(drop_probe probe, weft::join_handle<void> child) {
  co_await child;
  (void)probe;
}

TEST(ShutdownTest, TasksAwaitingEachOtherAreAllCancelled) {
  probe_stats stats;
  {
    auto rt = weft::runtime::builder().workers(2).build();
    weft::join_handle<void> last = rt.spawn(parked(drop_probe(stats), nullptr, nullptr));
    for (int i = 0; i < 1000; ++i) last = rt.spawn(awaits_child(drop_probe(stats), std::move(last)));
    last.detach();
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(stats.made(), 1001);
  EXPECT_EQ(stats.destroyed(), 1001);
}

TEST(ShutdownTest, ShutdownWaitsForTheRunningPoll) {
  std::atomic<int> phase{0};
  struct slow_poll {
    std::atomic<int>* phase;
    weft::poll<void> poll(weft::context&) {
      phase->store(1);
      std::this_thread::sleep_for(50ms);
      phase->store(2);
      return weft::pending;
    }
  };
  {
    auto rt = weft::runtime::builder().workers(1).build();
    rt.spawn(slow_poll{&phase}).detach();
    ASSERT_TRUE(wait_until([&] { return phase.load() == 1; }));
    rt.shutdown();
    EXPECT_EQ(phase.load(), 2) << "shutdown returned while a worker was still polling";
  }
}

weft::task<void> shut_down_from_inside(weft::runtime* rt) {
  rt->shutdown();
  co_return;
}

TEST(ShutdownTest, ShutdownCalledFromInsideATaskDoesNotHang) {
  // A task calling its own runtime's shutdown() (say, a ctrl-c handler task). Acceptable
  // outcomes: it works, or it is refused loudly (an assertion). Not acceptable: the worker
  // joins the other workers while they wait at the stop latch for it, forever. Run in a
  // child process, which an alarm kills if it hangs.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        alarm(3);
        {
          auto rt = weft::runtime::builder().workers(2).build();
          rt.spawn(shut_down_from_inside(&rt)).detach();
          std::this_thread::sleep_for(200ms);
        }
        std::_Exit(0);
      },
      [](int status) { return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM); }, "");
}

} // namespace
