// tests/runtime/wrong_thread_test.cpp: every public blocking entry point called from the
// "wrong" thread or at the wrong time has a defined outcome, reached within a deadline, never a
// hang: block_on on a worker (both flavours) and of a current-thread runtime from another
// thread throw std::logic_error; destroying a runtime on another thread works (a
// current-thread runtime when nothing of its ring is in flight; with I/O in flight it aborts
// with a message instead of spinning); destroying a runtime from inside its own task aborts
// with a message; shutdown from a task only signals; spawn_blocking and spawns after shutdown
// report cancelled or throw spawn_error; a handle that outlives its runtime stays safe.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::watchdog;

class WrongThreadTest : public ::testing::Test {
protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

weft::task<int> forty_two() { co_return 42; }

TEST_F(WrongThreadTest, BlockOnFromAWorkerThrows) {
  watchdog dog(20s, "block_on from a worker");
  auto rt = weft::runtime::builder().workers(1).build();
  const bool threw = rt.block_on(rt.spawn([](weft::runtime* r) -> weft::task<bool> {
    try {
      (void)r->block_on(forty_two());
    } catch (const std::logic_error&) {
      co_return true;
    }
    co_return false;
  }(&rt)));
  EXPECT_TRUE(threw);
}

TEST_F(WrongThreadTest, BlockOnOfAnotherRuntimeFromAWorkerThrows) {
  watchdog dog(20s, "block_on of another runtime from a worker");
  auto a = weft::runtime::builder().workers(1).build();
  auto b = weft::runtime::builder().workers(1).build();
  const bool threw = a.block_on(a.spawn([](weft::runtime* other) -> weft::task<bool> {
    try {
      (void)other->block_on(forty_two());
    } catch (const std::logic_error&) {
      co_return true;
    }
    co_return false;
  }(&b)));
  EXPECT_TRUE(threw);
}

TEST_F(WrongThreadTest, NestedBlockOnOfACurrentThreadRuntimeThrows) {
  watchdog dog(20s, "nested block_on of a current-thread runtime");
  auto rt = weft::runtime::builder().current_thread().build();
  const bool threw = rt.block_on([](weft::runtime* r) -> weft::task<bool> {
    try {
      (void)r->block_on(forty_two());
    } catch (const std::logic_error&) {
      co_return true;
    }
    co_return false;
  }(&rt));
  EXPECT_TRUE(threw);
  EXPECT_EQ(rt.block_on(forty_two()), 42) << "the runtime is still usable";
}

TEST_F(WrongThreadTest, BlockOnOfACurrentThreadRuntimeFromAnotherThreadThrows) {
  watchdog dog(20s, "current-thread block_on from another thread");
  auto rt = weft::runtime::builder().current_thread().build();
  bool threw = false;
  std::thread other([&] {
    try {
      (void)rt.block_on(forty_two());
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  other.join();
  EXPECT_TRUE(threw);
  EXPECT_EQ(rt.block_on(forty_two()), 42);
}

TEST_F(WrongThreadTest, AWorkerRuntimeCanBeShutDownAndDestroyedOnAnotherThread) {
  watchdog dog(20s, "multi-thread runtime destroyed on another thread");
  auto rt = std::make_unique<weft::runtime>(weft::runtime::builder().workers(2).build());
  EXPECT_EQ(rt->block_on(rt->spawn(forty_two())), 42);
  std::thread([&] { rt->shutdown(); }).join();
  std::thread([&] { rt.reset(); }).join();
}

weft::task<void> sleep_long() { co_await weft::time::sleep(1h); }

TEST_F(WrongThreadTest, AnIdleCurrentThreadRuntimeCanBeDestroyedOnAnotherThread) {
  watchdog dog(20s, "idle current-thread runtime destroyed on another thread");
  weft::test::probe_stats stats;
  auto rt = std::make_unique<weft::runtime>(weft::runtime::builder().current_thread().build());
  // Parks at least once (arming the wake-up read), and leaves a task asleep on a timer.
  EXPECT_EQ(rt->block_on(weft::time::timeout(5ms, weft::never<int>{})), std::nullopt);
  auto sleeper = rt->spawn(sleep_long());
  rt->block_on(weft::yield_now());
  std::thread([&] { rt.reset(); }).join();
  EXPECT_TRUE(weft::block_on_current_thread(sleeper.outcome()).is_cancelled());
}

TEST_F(WrongThreadTest, ACurrentThreadRuntimeWithIoInFlightDestroyedElsewhereAbortsWithAMessage) {
  EXPECT_DEATH(
      {
        weft::test::test_pipe p;
        auto rt = std::make_unique<weft::runtime>(weft::runtime::builder().current_thread().build());
        auto reader = rt->spawn([](int fd) -> weft::task<void> {
          std::array<std::byte, 8> buf{};
          (void)co_await weft::io::read(fd, buf);
        }(p.r()));
        rt->block_on(weft::yield_now());  // the read is submitted
        std::thread([&] { rt.reset(); }).join();
      },
      "current-thread runtime with I/O in flight was destroyed on a thread other");
}

TEST_F(WrongThreadTest, DestroyingARuntimeFromItsOwnTaskAbortsWithAMessage) {
  EXPECT_DEATH(
      {
        auto* rt = new weft::runtime(weft::runtime::builder().workers(1).build());
        rt->spawn([](weft::runtime* r) -> weft::task<void> {
            delete r;
            co_return;
          }(rt))
            .detach();
        std::this_thread::sleep_for(5s);
      },
      "destroyed from inside one of its own tasks");
}

TEST_F(WrongThreadTest, ShutdownFromATaskOnlySignalsAndDestructionCompletesIt) {
  watchdog dog(20s, "shutdown from a task");
  auto rt = weft::runtime::builder().workers(2).build();
  auto h = rt.spawn([](weft::runtime* r) -> weft::task<void> {
    r->shutdown();
    co_return;
  }(&rt));
  EXPECT_TRUE(weft::test::wait_until([&] { return h.is_finished(); }));
  EXPECT_THROW((void)rt.spawn(forty_two()), weft::spawn_error);
}

TEST_F(WrongThreadTest, SpawnBlockingAfterShutdownReportsCancelled) {
  watchdog dog(20s, "spawn_blocking after shutdown");
  auto rt = weft::runtime::builder().workers(1).build();
  rt.shutdown();
  auto h = rt.spawn_blocking([] { return 1; });
  EXPECT_TRUE(weft::block_on_current_thread(h.outcome()).is_cancelled());
  EXPECT_THROW((void)rt.spawn(forty_two()), weft::spawn_error);
}

TEST_F(WrongThreadTest, AHandleOutlivingItsRuntimeRefusesSpawns) {
  watchdog dog(20s, "handle outliving its runtime");
  weft::handle h;
  {
    auto rt = weft::runtime::builder().workers(1).build();
    h = rt.handle();
  }
  ASSERT_TRUE(h.valid());
  EXPECT_THROW((void)h.spawn(forty_two()), weft::spawn_error);
  EXPECT_TRUE(weft::block_on_current_thread(h.spawn_blocking([] { return 1; }).outcome())
                  .is_cancelled());
}

} // namespace
