// tests/time/interval_test.cpp: interval's missed-tick behaviours (burst, delay, skip) with
// the paused clock on a current-thread runtime (auto-advance): after the owner was "busy"
// (time::advance past several ticks), the ticks come at the expected instants. Also: a
// dropped tick() loses no tick, reset(), and the first tick is immediate.
#include <gtest/gtest.h>

#include <weft/time/interval.hpp>

#include <chrono>
#include <vector>

#include "support/io_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::time::instant;
using weft::time::missed_tick_behavior;

/// Moves the paused clock onto a wheel-tick boundary, so deadlines that are whole
/// milliseconds from now fire exactly at their deadline (the wheel's unit is 1 ms).
void align_to_tick() {
  namespace d = weft::time::detail;
  const instant next = d::instant_of(d::now_tick() + 1);
  weft::time::advance(next - weft::time::now());
}

struct tick_record {
  instant scheduled;  ///< what tick() returned
  instant at;         ///< weft's now() when it returned
};

/// Runs: tick once, advance `busy`, then `n` more ticks; returns offsets from the start.
std::vector<std::pair<long, long>> run_interval(missed_tick_behavior b, std::chrono::milliseconds busy,
                                                int n) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  const instant start = weft::time::now();
  std::vector<tick_record> ticks = rt.block_on([](missed_tick_behavior beh, std::chrono::milliseconds bz,
                                                  int count) -> weft::task<std::vector<tick_record>> {
    std::vector<tick_record> out;
    auto iv = weft::time::interval(10ms, beh);
    out.push_back({co_await iv.tick(), weft::time::now()});
    weft::time::advance(bz);  // the owner was busy
    for (int i = 0; i < count; ++i) out.push_back({co_await iv.tick(), weft::time::now()});
    co_return out;
  }(b, busy, n));
  std::vector<std::pair<long, long>> rel;
  for (const auto& t : ticks) {
    rel.emplace_back(std::chrono::duration_cast<std::chrono::milliseconds>(t.scheduled - start).count(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(t.at - start).count());
  }
  return rel;
}

using ticks_t = std::vector<std::pair<long, long>>;

TEST(IntervalTest, BurstFiresMissedTicksBackToBack) {
  // Busy for 35 ms: ticks 10, 20, 30 are due at once, then the grid resumes at 40, 50.
  EXPECT_EQ(run_interval(missed_tick_behavior::burst, 35ms, 5),
            (ticks_t{{0, 0}, {10, 35}, {20, 35}, {30, 35}, {40, 40}, {50, 50}}));
}

TEST(IntervalTest, DelayRestartsTheGridAFullPeriodAfterTheLateTick) {
  EXPECT_EQ(run_interval(missed_tick_behavior::delay, 35ms, 3),
            (ticks_t{{0, 0}, {10, 35}, {45, 45}, {55, 55}}));
}

TEST(IntervalTest, SkipDropsMissedTicksAndStaysOnTheGrid) {
  EXPECT_EQ(run_interval(missed_tick_behavior::skip, 35ms, 3),
            (ticks_t{{0, 0}, {10, 35}, {40, 40}, {50, 50}}));
  // Busy exactly onto a grid point.
  EXPECT_EQ(run_interval(missed_tick_behavior::skip, 30ms, 2), (ticks_t{{0, 0}, {10, 30}, {40, 40}}));
}

TEST(IntervalTest, NotBusyAllBehavioursTickOnTheGrid) {
  for (auto b : {missed_tick_behavior::burst, missed_tick_behavior::delay, missed_tick_behavior::skip}) {
    EXPECT_EQ(run_interval(b, 0ms, 3), (ticks_t{{0, 0}, {10, 10}, {20, 20}, {30, 30}}));
  }
}

TEST(IntervalTest, ADroppedTickLosesNoTick) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  const instant start = weft::time::now();
  const auto offsets = rt.block_on([]() -> weft::task<std::vector<long>> {
    std::vector<long> out;
    const instant s = weft::time::now();
    auto off = [&](instant t) {
      return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(t - s).count());
    };
    auto iv = weft::time::interval(10ms);
    out.push_back(off(co_await iv.tick()));
    // The next tick's future is polled (registered) and dropped before it fires.
    auto sel = co_await weft::select(iv.tick(), weft::ready(0));
    EXPECT_EQ(sel.index(), 1u);
    out.push_back(off(co_await iv.tick()));  // still the 10 ms tick
    out.push_back(off(co_await iv.tick()));
    co_return out;
  }());
  (void)start;
  EXPECT_EQ(offsets, (std::vector<long>{0, 10, 20}));
}

TEST(IntervalTest, ResetRestartsOnePeriodFromNow) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  const auto offsets = rt.block_on([]() -> weft::task<std::vector<long>> {
    std::vector<long> out;
    const instant s = weft::time::now();
    auto off = [&](instant t) {
      return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(t - s).count());
    };
    auto iv = weft::time::interval(10ms);
    out.push_back(off(co_await iv.tick()));
    weft::time::advance(3ms);
    iv.reset();
    out.push_back(off(co_await iv.tick()));
    out.push_back(off(co_await iv.tick()));
    co_return out;
  }());
  EXPECT_EQ(offsets, (std::vector<long>{0, 13, 23}));
}

TEST(IntervalTest, FirstTickIsImmediateWhereverTheClockStands) {
  // Not aligned to a wheel tick: the first tick is due "now" and must not move the paused
  // clock forward (a pending first tick would let auto-advance jump to the next millisecond).
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  weft::time::advance(std::chrono::microseconds(300));
  const instant before = weft::time::now();
  const auto [scheduled, at] = rt.block_on([]() -> weft::task<std::pair<instant, instant>> {
    auto iv = weft::time::interval(10ms);
    const instant s = co_await iv.tick();
    co_return std::pair{s, weft::time::now()};
  }());
  EXPECT_EQ(scheduled, before);
  EXPECT_EQ(at, before) << "the first tick moved the paused clock by "
                        << std::chrono::duration_cast<std::chrono::microseconds>(at - before).count()
                        << " us";
}

} // namespace
