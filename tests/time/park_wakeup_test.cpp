// tests/time/park_wakeup_test.cpp: a timer that falls due between a worker's last look at its
// queues and its park must still wake its task promptly. The driver wrapper in
// support/slow_park_driver.hpp sleeps before each park, so every short sleep falls due inside
// park; a park that fires the timer and then sleeps on (the woken task sitting in the worker's
// own LIFO slot) strands the task, and the watchdog catches the stall.
#include <gtest/gtest.h>

#include <chrono>

#include "support/runtime_support.hpp"
#include "support/slow_park_driver.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;

weft::task<int> short_sleeps(int n) {
  int done = 0;
  for (int i = 0; i < n; ++i) {
    co_await weft::time::sleep(1ms);
    ++done;
  }
  co_return done;
}

TEST(ParkWakeupTest, TimerFallingDueInsideParkWakesItsTaskOnAWorker) {
  weft::test::watchdog dog(20s, "sleep loop on a worker with timers falling due inside park");
  auto rt = weft::runtime::builder()
                .workers(1)
                .driver(weft::test::slow_park_factory(3ms))
                .build();
  EXPECT_EQ(rt.block_on(rt.spawn(short_sleeps(50))), 50);
}

TEST(ParkWakeupTest, TimerFallingDueInsideParkWakesItsTaskOnTheCurrentThread) {
  weft::test::watchdog dog(20s, "sleep loop on a current-thread runtime, timers due inside park");
  auto rt = weft::runtime::builder()
                .current_thread()
                .driver(weft::test::slow_park_factory(3ms))
                .build();
  EXPECT_EQ(rt.block_on(rt.spawn(short_sleeps(50))), 50);
  EXPECT_EQ(rt.block_on(short_sleeps(50)), 50);  // the root itself sleeping
}

} // namespace
