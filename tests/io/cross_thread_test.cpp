// tests/io/cross_thread_test.cpp: the reactor across threads: a parked worker woken by a
// foreign thread (eventfd) and by another ring (MSG_RING); ops dropped on a thread that does
// not own their ring (uring_driver::post_remote), one way and both ways at once; tasks that
// migrate between workers with ops in flight; the runtime dropped with ops and timers in
// flight, including ops owned by a worker other than the one that cancels the task.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "support/io_ledger_ring.hpp"
#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using weft::test::heap_leaf;
using weft::test::test_pipe;
using weft::test::wait_until;

using read_future = decltype(weft::io::read(0, std::span<std::byte>()));

// ---- waking a parked worker ---------------------------------------------------------------

TEST(IoWakeTest, ParkedIoUringDriverWakesOnUnparkFromAForeignThread) {
  WEFT_SKIP_WITHOUT_IO_URING();
  weft::io::uring_driver d(weft::driver_config{});
  for (int i = 0; i < 20; ++i) {
    std::atomic<bool> sent{false};
    std::thread t([&] {
      std::this_thread::sleep_for(5ms);
      sent.store(true);
      d.unpark();
    });
    const auto start = clock_type::now();
    d.park(std::nullopt);  // no timers, no ops: only the unpark can end this
    const auto took = clock_type::now() - start;
    t.join();
    EXPECT_TRUE(sent.load());
    EXPECT_LT(took, 2s);
  }
  // A notification before the park is not lost (sticky).
  d.unpark();
  const auto start = clock_type::now();
  d.park(std::nullopt);
  EXPECT_LT(clock_type::now() - start, 2s);
}

TEST(IoWakeTest, ForeignThreadWakesATaskWhileItsWorkerSleepsInTheRing) {
  auto rt = weft::runtime::builder().workers(1).build();
  weft::test::watchdog dog(30s, "foreign wake");
  for (int i = 0; i < 20; ++i) {
    weft::test::handoff h;
    std::atomic<bool> waiting{false};
    auto jh = rt.spawn([](weft::test::handoff* hp, std::atomic<bool>* w) -> weft::task<clock_type::time_point> {
      w->store(true);
      co_await hp->take();
      co_return clock_type::now();
    }(&h, &waiting));
    ASSERT_TRUE(wait_until([&] { return waiting.load(); }));
    std::this_thread::sleep_for(10ms);  // the worker is parked inside io_uring_enter by now
    const auto put_at = clock_type::now();
    h.put();
    const auto resumed = rt.block_on(std::move(jh));
    EXPECT_LT(resumed - put_at, 2s);
  }
}

TEST(IoWakeTest, AWorkerWakesAnotherParkedWorkerThroughItsRing) {
  // Worker 1 wakes a task pinned to worker 0 while worker 0 sleeps in its ring: the wake goes
  // to worker 0's remote queue and unparks its driver from worker 1's ring (MSG_RING where
  // the kernel has it). The block_on thread's ring does the same for its own wakes.
  auto rt = weft::runtime::builder().workers(2).build();
  weft::test::watchdog dog(30s, "ring-to-ring wake");
  for (int i = 0; i < 20; ++i) {
    weft::test::handoff h;
    std::atomic<bool> waiting{false};
    auto sleeper = rt.handle().spawn_on(0, [](weft::test::handoff* hp, std::atomic<bool>* w)
                                               -> weft::task<clock_type::time_point> {
      w->store(true);
      co_await hp->take();
      co_return clock_type::now();
    }(&h, &waiting));
    ASSERT_TRUE(wait_until([&] { return waiting.load(); }));
    std::this_thread::sleep_for(5ms);
    auto waker_task = rt.handle().spawn_on(1, [](weft::test::handoff* hp) -> weft::task<clock_type::time_point> {
      const auto at = clock_type::now();
      hp->put();
      co_return at;
    }(&h));
    const auto put_at = rt.block_on(std::move(waker_task));
    const auto resumed = rt.block_on(std::move(sleeper));
    EXPECT_LT(resumed - put_at, 2s);
  }
}

// ---- dropping an op on a thread that does not own its ring ---------------------------------

/// Polls `leaf` once in a task pinned to worker `w` (spawned from outside, so it runs from
/// that worker's remote queue and finishes in that one poll: it cannot be stolen). Returns
/// whether the leaf was pending and the name of the thread it ran on.
template <class F>
std::pair<bool, std::string> start_on(weft::runtime& rt, std::size_t w, heap_leaf<F>* leaf) {
  return rt.block_on(rt.handle().spawn_on(w, [](heap_leaf<F>* l) -> weft::task<std::pair<bool, std::string>> {
    const bool pending = co_await l->poll_once();
    co_return std::pair{pending, weft::test::this_thread_name()};
  }(leaf)));
}

/// Destroys `leaf` in a task pinned to worker `w`, after `sync` (if any) is passed by all.
template <class F>
weft::join_handle<std::string> drop_on(weft::runtime& rt, std::size_t w, heap_leaf<F>* leaf,
                                       std::barrier<>* sync = nullptr) {
  return rt.handle().spawn_on(w, [](heap_leaf<F>* l, std::barrier<>* b) -> weft::task<std::string> {
    if (b != nullptr) b->arrive_and_wait();
    l->reset();
    co_return weft::test::this_thread_name();
  }(leaf, sync));
}

TEST(IoRemoteDropTest, ReadStartedOnAWorkerIsCancelledFromAForeignThread) {
  auto rt = weft::runtime::builder().workers(2).build();
  weft::test::watchdog dog(30s, "foreign-thread drop");
  test_pipe p;
  std::array<std::byte, 8> buf{};
  for (int i = 0; i < 20; ++i) {
    heap_leaf<read_future> leaf(weft::io::read(p.r(), buf));
    // Started (SQE prepared, then flushed when the worker turns) on worker 0.
    const auto [pending, where] = start_on(rt, 0, &leaf);
    ASSERT_TRUE(pending);
    ASSERT_EQ(where, "weft-worker-0");
    std::this_thread::sleep_for(2ms);
    const auto start = clock_type::now();
    leaf.reset();  // this thread has no driver: the cancel goes to worker 0's ring
    EXPECT_LT(clock_type::now() - start, 2s);
  }
  // Cancellation won every time (the pipe was empty): new data reaches a new read.
  ASSERT_EQ(::write(p.w(), "z", 1), 1);
  auto r = rt.block_on(weft::io::read(p.r(), buf));
  EXPECT_EQ(r.value(), 1u);
}

TEST(IoRemoteDropTest, ReadStartedOnOneWorkerIsCancelledFromTheOther) {
  auto rt = weft::runtime::builder().workers(2).build();
  weft::test::watchdog dog(30s, "cross-worker drop");
  test_pipe p;
  std::array<std::byte, 8> buf{};
  for (int i = 0; i < 20; ++i) {
    heap_leaf<read_future> leaf(weft::io::read(p.r(), buf));
    const auto [pending, started] = start_on(rt, 0, &leaf);
    ASSERT_TRUE(pending);
    const std::string dropped = rt.block_on(drop_on(rt, 1, &leaf));  // worker 1 drops it
    ASSERT_EQ(started, "weft-worker-0");
    ASSERT_EQ(dropped, "weft-worker-1");
  }
  ASSERT_EQ(::write(p.w(), "z", 1), 1);
  auto r = rt.block_on(weft::io::read(p.r(), buf));
  EXPECT_EQ(r.value(), 1u);
}

TEST(IoRemoteDropTest, TwoWorkersDroppingEachOthersOpsAtOnceDoNotDeadlock) {
  // Worker 0 holds a read started on worker 1's ring and worker 1 one started on worker 0's;
  // both drop at the same moment. Each must keep its own ring going (submit the cancel it was
  // asked for, reap its CQE) while it waits for the other: otherwise both wait forever.
  auto rt = weft::runtime::builder().workers(2).build();
  weft::test::watchdog dog(30s, "mutual cross-worker drops (op_holder::drop waits without "
                                "flushing its own ring)");
  test_pipe p0;
  test_pipe p1;
  std::array<std::byte, 8> b0{};
  std::array<std::byte, 8> b1{};
  for (int i = 0; i < 10; ++i) {
    heap_leaf<read_future> on0(weft::io::read(p0.r(), b0));
    heap_leaf<read_future> on1(weft::io::read(p1.r(), b1));
    ASSERT_EQ(start_on(rt, 0, &on0), std::pair(true, std::string("weft-worker-0")));
    ASSERT_EQ(start_on(rt, 1, &on1), std::pair(true, std::string("weft-worker-1")));
    std::this_thread::sleep_for(2ms);
    std::barrier sync(2);
    auto a = drop_on(rt, 0, &on1, &sync);  // worker 0 drops worker 1's op
    auto b = drop_on(rt, 1, &on0, &sync);  // and vice versa, at the same moment
    EXPECT_EQ(rt.block_on(std::move(a)), "weft-worker-0");
    EXPECT_EQ(rt.block_on(std::move(b)), "weft-worker-1");
  }
}

TEST(IoRemoteDropTest, SleepRegisteredOnOneWorkerIsDroppedFromTheOther) {
  auto rt = weft::runtime::builder().workers(2).build();
  weft::test::watchdog dog(30s, "cross-worker sleep drop");
  for (int i = 0; i < 20; ++i) {
    heap_leaf<weft::time::sleep_future> leaf(weft::time::sleep(1h));
    ASSERT_EQ(start_on(rt, 0, &leaf), std::pair(true, std::string("weft-worker-0")));
    ASSERT_EQ(rt.block_on(drop_on(rt, 1, &leaf)), "weft-worker-1");
  }
  // And from a foreign thread.
  heap_leaf<weft::time::sleep_future> leaf(weft::time::sleep(1h));
  ASSERT_TRUE(start_on(rt, 1, &leaf).first);
  leaf.reset();
}

TEST(IoRemoteDropTest, SleepAndReadDroppedOnEachOthersWorkersAtOnceDoNotDeadlock) {
  // Worker 0 drops a sleep of worker 1's wheel (waits for the removal) while worker 1 drops a
  // read of worker 0's ring (waits for the cancel): each must serve the other meanwhile.
  auto rt = weft::runtime::builder().workers(2).build();
  weft::test::watchdog dog(30s, "sleep and read dropped across workers at once");
  test_pipe p;
  std::array<std::byte, 8> buf{};
  for (int i = 0; i < 10; ++i) {
    heap_leaf<read_future> read_on0(weft::io::read(p.r(), buf));
    heap_leaf<weft::time::sleep_future> sleep_on1(weft::time::sleep(1h));
    ASSERT_TRUE(start_on(rt, 0, &read_on0).first);
    ASSERT_TRUE(start_on(rt, 1, &sleep_on1).first);
    std::this_thread::sleep_for(2ms);
    std::barrier sync(2);
    auto a = drop_on(rt, 0, &sleep_on1, &sync);
    auto b = drop_on(rt, 1, &read_on0, &sync);
    rt.block_on(std::move(a));
    rt.block_on(std::move(b));
  }
}

// ---- tasks migrating with ops in flight ----------------------------------------------------

TEST(IoMigrationTest, TasksStolenWithReadsInFlightCompleteCorrectlyOnIoUring) {
  WEFT_SKIP_WITHOUT_IO_URING();
  // Many tasks start a read, then yield while busy neighbours keep both workers loaded, so
  // stealing moves some of them; the read completes on the ring that issued it and wakes the
  // task wherever it now runs. Every read must return its own byte. Migration is recorded
  // (start thread != finish thread) and reported; it cannot be forced deterministically.
  const long tasks = weft::test::scaled(2'000, 1'000, 300);
  weft::test::watchdog dog(60s, "migration");
  auto ledger = std::make_shared<weft::test::io_ledger>();
  weft::io::ring_maker o = weft::test::ledger_ring_maker(ledger);
  std::atomic<long> migrated{0};
  std::atomic<long> ok{0};
  {
    auto rt = weft::runtime::builder().workers(2).driver(weft::io::uring_driver_factory(o)).build();
    std::vector<std::unique_ptr<test_pipe>> pipes;
    for (long i = 0; i < 64; ++i) pipes.push_back(std::make_unique<test_pipe>());
    rt.block_on([&]() -> weft::task<void> {
      std::vector<weft::join_handle<void>> hs;
      for (long i = 0; i < tasks; ++i) {
        test_pipe* pp = pipes[static_cast<std::size_t>(i) % pipes.size()].get();
        hs.push_back(weft::spawn([](test_pipe* p, std::atomic<long>* mig, std::atomic<long>* good)
                                     -> weft::task<void> {
          std::array<std::byte, 1> b{};
          const auto started_on = std::this_thread::get_id();
          auto r = weft::io::read(p->r(), b);
          // Poll the read once (it is in flight after the next flush), then yield a while.
          const bool pending = co_await weft::test::poll_once_ref(r);
          if (!pending) std::abort();
          const std::byte one{1};
          (void)::write(p->w(), &one, 1);
          for (int k = 0; k < 8; ++k) co_await weft::yield_now();
          auto n = co_await r;
          if (n && *n == 1 && b[0] == one) good->fetch_add(1);
          if (std::this_thread::get_id() != started_on) mig->fetch_add(1);
        }(pp, &migrated, &ok)));
        // Busy neighbours.
        if (i % 8 == 0) {
          hs.push_back(weft::spawn([]() -> weft::task<void> {
            for (int k = 0; k < 50; ++k) {
              weft::test::spin_for(2us);
              co_await weft::yield_now();
            }
          }()));
        }
      }
      for (auto& h : hs) co_await h;
    }());
  }
  std::printf("[migration] %ld of %ld tasks finished on another thread than they started on\n",
              migrated.load(), tasks);
  EXPECT_EQ(ok.load(), tasks);
  EXPECT_EQ(ledger->outstanding(), 0) << ledger->summary();
  EXPECT_EQ(ledger->orphans(), 0) << ledger->summary();
}

TEST(IoMigrationTest, StolenTasksTimingOutOnReadsCancelOnTheIssuingRing) {
  WEFT_SKIP_WITHOUT_IO_URING();
  // Tasks time out on reads that never complete while stealing moves them around: some
  // timeouts drop a read owned by the other worker's ring (the remote cancel path).
  const long tasks = weft::test::scaled(4'000, 2'000, 500);
  weft::test::watchdog dog(60s, "stolen timeouts (cross-worker cancel)");
  auto ledger = std::make_shared<weft::test::io_ledger>();
  weft::io::ring_maker o = weft::test::ledger_ring_maker(ledger);
  std::atomic<long> timed_out{0};
  {
    test_pipe p;
    auto rt = weft::runtime::builder().workers(2).driver(weft::io::uring_driver_factory(o)).build();
    rt.block_on([&]() -> weft::task<void> {
      std::vector<weft::join_handle<void>> hs;
      for (long i = 0; i < tasks; ++i) {
        hs.push_back(weft::spawn([](int fd, long id, std::atomic<long>* n) -> weft::task<void> {
          std::array<std::byte, 8> buf{};
          for (int k = 0; k < static_cast<int>(id % 3); ++k) co_await weft::yield_now();
          auto r = co_await weft::time::timeout(std::chrono::milliseconds(1 + id % 5),
                                                weft::io::read(fd, buf));
          if (!r) n->fetch_add(1);
        }(p.r(), i, &timed_out)));
      }
      for (auto& h : hs) co_await h;
    }());
  }
  EXPECT_EQ(timed_out.load(), tasks);
  EXPECT_EQ(ledger->outstanding(), 0) << ledger->summary();
  EXPECT_EQ(ledger->orphans(), 0) << ledger->summary();
}

// ---- shutdown with ops and timers in flight -----------------------------------------------

weft::task<void> blocked_reader(int fd) {
  std::array<std::byte, 8> buf{};
  (void)co_await weft::io::read(fd, buf);
}

weft::task<void> blocked_sleeper(std::chrono::milliseconds d) { co_await weft::time::sleep(d); }

TEST(IoShutdownTest, DroppingTheRuntimeWithOpsAndTimersInFlightIsPromptOnIoUring) {
  WEFT_SKIP_WITHOUT_IO_URING();
  const long tasks = weft::test::scaled(10'000, 10'000, 2'000);
  const int rounds = static_cast<int>(weft::test::scaled(20, 20, 5));
  weft::test::watchdog dog(60s, "shutdown with ops and timers in flight");
  const std::size_t fds_before = weft::test::fd_count();
  auto slowest = clock_type::duration::zero();
  for (int round = 0; round < rounds; ++round) {
    auto ledger = std::make_shared<weft::test::io_ledger>();
    {
      test_pipe p;
      weft::io::ring_maker o = weft::test::ledger_ring_maker(ledger);
      auto rt = weft::runtime::builder().workers(2).driver(weft::io::uring_driver_factory(o)).build();
      // Half blocked on pipe reads, half on sleeps; spawned from a worker and from outside.
      rt.block_on(rt.spawn([](int fd, long n) -> weft::task<void> {
        for (long i = 0; i < n / 2; i += 2) {
          weft::spawn(blocked_reader(fd)).detach();
          weft::spawn(blocked_sleeper(std::chrono::milliseconds(10'000 + i))).detach();
        }
        co_return;
      }(p.r(), tasks)));
      for (long i = 0; i < tasks / 2; i += 2) {
        rt.spawn(blocked_reader(p.r())).detach();
        rt.spawn(blocked_sleeper(std::chrono::milliseconds(10'000 + i))).detach();
      }
      if (round % 2 == 0) {
        // Let every read reach the kernel before the drop.
        ASSERT_TRUE(wait_until([&] { return ledger->submitted_count() >= tasks / 2; }, 20s))
            << ledger->summary();
      }
      const auto start = clock_type::now();
      rt.shutdown();
      slowest = std::max(slowest, clock_type::now() - start);
      EXPECT_EQ(rt.metrics().live_tasks, 0u);
    }
    EXPECT_EQ(ledger->outstanding(), 0) << "round " << round << ": " << ledger->summary();
    EXPECT_EQ(ledger->orphans(), 0) << ledger->summary();
    ASSERT_EQ(weft::test::fd_count(), fds_before) << "round " << round;
  }
  std::printf("[shutdown] slowest of %d rounds: %lld ms\n", rounds,
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()));
  // A hang detector, not a speed goal (speed lives in bench/): a shutdown that waited for
  // reads nobody cancels would never end; the printed figure above is the measurement.
  EXPECT_LT(slowest, 20s);
}

TEST(IoShutdownTest, DroppingTheRuntimeCancelsAReadOwnedByAnotherWorker) {
  // A task spawned from outside belongs to the outside shard, which worker 0 cancels at
  // shutdown; pinned to worker 1, its read is on worker 1's ring. Worker 0 must be able to
  // cancel it while worker 1 waits for the other workers to finish cancelling.
  weft::test::watchdog dog(20s, "shutdown: read owned by another worker (worker 1 waits at "
                                "cancel_latch_ without serving its ring)");
  test_pipe p;
  auto rt = weft::runtime::builder().workers(2).build();
  std::atomic<bool> started{false};
  rt.handle().spawn_on(1, [](int fd, std::atomic<bool>* s) -> weft::task<void> {
    s->store(true);
    std::array<std::byte, 8> buf{};
    (void)co_await weft::io::read(fd, buf);
  }(p.r(), &started)).detach();
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  std::this_thread::sleep_for(20ms);
  const auto start = clock_type::now();
  rt.shutdown();
  EXPECT_LT(clock_type::now() - start, 5s);
}

TEST(IoShutdownTest, DroppingTheRuntimeCancelsASleepOwnedByAnotherWorker) {
  weft::test::watchdog dog(20s, "shutdown: sleep owned by another worker (worker 1 waits at "
                                "cancel_latch_ without serving its ring)");
  auto rt = weft::runtime::builder().workers(2).build();
  std::atomic<bool> started{false};
  rt.handle().spawn_on(1, [](std::atomic<bool>* s) -> weft::task<void> {
    s->store(true);
    co_await weft::time::sleep(1h);
  }(&started)).detach();
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  std::this_thread::sleep_for(20ms);
  const auto start = clock_type::now();
  rt.shutdown();
  EXPECT_LT(clock_type::now() - start, 5s);
}

} // namespace
