// tests/stream/time_test.cpp: the streams that use weft::time, with the paused clock on a
// current-thread runtime (it auto-advances to the next timer when idle, so instants are
// exact): interval as a stream, throttle spacing, per-item timeout (timed_out items, the
// stream going on, an item ready at the deadline winning), and cancel safety of next() on
// an interval.
#include <gtest/gtest.h>

#include <chrono>
#include <system_error>
#include <vector>

#include "support/io_support.hpp"
#include "weft/stream.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
namespace ws = weft::stream;
using weft::time::instant;

void align_to_tick() {
  namespace d = weft::time::detail;
  const instant next = d::instant_of(d::now_tick() + 1);
  weft::time::advance(next - weft::time::now());
}

long ms_since(instant start, instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - start).count();
}

TEST(StreamTimeTest, IntervalIsAStreamOfTicks) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  const instant start = weft::time::now();
  auto ticks = rt.block_on(ws::interval(10ms) | ws::take(4) | ws::collect());
  ASSERT_EQ(ticks.size(), 4u);
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_EQ(ms_since(start, ticks[i]), 10L * static_cast<long>(i));
}

TEST(StreamTimeTest, DroppedNextOnAnIntervalLosesNoTick) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  const instant start = weft::time::now();
  auto got = rt.block_on([](instant st) -> weft::task<std::vector<long>> {
    std::vector<long> out;
    auto iv = ws::interval(10ms);
    out.push_back(ms_since(st, *co_await ws::next(iv)));  // 0
    // Lose a race against a 3 ms sleep: the pending next() is dropped mid-wait.
    auto r = co_await weft::select(ws::next(iv), weft::time::sleep(3ms));
    out.push_back(static_cast<long>(r.index()));
    out.push_back(ms_since(st, *co_await ws::next(iv)));  // still the 10 ms tick
    co_return out;
  }(start));
  EXPECT_EQ(got, (std::vector<long>{0, 1, 10}));
}

TEST(StreamTimeTest, ThrottleSpacesItems) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  const instant start = weft::time::now();
  std::vector<int> src{1, 2, 3};
  auto at = rt.block_on(ws::from_range(src) | ws::throttle(20ms) |
                        ws::map([start](int) { return ms_since(start, weft::time::now()); }) |
                        ws::collect());
  EXPECT_EQ(at, (std::vector<long>{0, 20, 40}));
}

weft::async_generator<int> slow_source() {
  co_yield 1;
  co_await weft::time::sleep(5ms);
  co_yield 2;
  co_await weft::time::sleep(50ms);
  co_yield 3;
  co_await weft::time::sleep(20ms);  // exactly the deadline: the item wins
  co_yield 4;
}

TEST(StreamTimeTest, TimeoutPerItemYieldsTimedOutAndGoesOn) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  align_to_tick();
  auto items = rt.block_on(slow_source() | ws::timeout(20ms) | ws::collect());
  std::vector<int> got;  // -1 for a timeout
  for (auto& r : items) {
    if (r) {
      got.push_back(*r);
    } else {
      EXPECT_EQ(r.error(), std::make_error_code(std::errc::timed_out));
      got.push_back(-1);
    }
  }
  // 50 ms of silence under a 20 ms deadline: two timeouts (at 20 and 40 ms), then 3.
  EXPECT_EQ(got, (std::vector<int>{1, 2, -1, -1, 3, 4}));
}

TEST(StreamTimeTest, TimeoutThenTakeWhileEndsAtTheFirstTimeout) {
  weft::test::clock_pause_guard paused;
  auto rt = weft::runtime::builder().current_thread().build();
  auto n = rt.block_on(slow_source() | ws::timeout(20ms) |
                       ws::take_while([](const weft::result<int>& r) { return r.has_value(); }) |
                       ws::fold(0, [](int acc, weft::result<int>) { return acc + 1; }));
  EXPECT_EQ(n, 2);
}

} // namespace
