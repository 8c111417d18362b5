// bench/time/timer_wheel_bench.cpp: weft::time::detail::timer_wheel on its own, with a
// virtual clock: the cost of arming and cancelling a timer, and of firing a million.
// Not here: the time driver, clocks, wakers.
#include "weft/io/detail/timer_wheel.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using weft::time::detail::timer_entry;
using weft::time::detail::timer_wheel;

// xorshift64: fixed seed, so every run measures the same deadlines.
std::vector<std::uint64_t> random_values(std::size_t n, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t x = 0x2545F4914F6CDD1DULL;
  std::vector<std::uint64_t> out(n);
  for (std::uint64_t& v : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v = lo + x % (hi - lo + 1);
  }
  return out;
}

// One insert and one remove per item, into a wheel already holding 10,000 timers, with
// deadlines spread from 1 ms to ~1 day so every level takes part.
void BM_time_wheel_insert_remove(benchmark::State& state) {
  constexpr std::size_t background = 10'000;
  constexpr std::size_t ring = 4'096;
  std::vector<timer_entry> entries(background + ring);
  const std::vector<std::uint64_t> deadlines =
      random_values(background + ring, 1, 24ULL * 60 * 60 * 1000);
  timer_wheel wheel;  // after entries: destroyed first, so it unlinks them
  for (std::size_t i = 0; i < background; ++i) {
    entries[i].deadline = deadlines[i];
    wheel.insert(&entries[i]);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    timer_entry* e = &entries[background + i];
    e->deadline = deadlines[background + i];
    wheel.insert(e);
    benchmark::DoNotOptimize(e);
    wheel.remove(e);
    i = (i + 1) % ring;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_time_wheel_insert_remove);

// Insert 1,000,000 timers with deadlines in 1..1000 ticks, then advance one tick at a time to
// 1000, firing them all. Reported per timer (insert + cascade + fire).
void BM_time_wheel_fire_many(benchmark::State& state) {
  constexpr std::size_t n = 1'000'000;
  std::vector<timer_entry> entries(n);
  const std::vector<std::uint64_t> deadlines = random_values(n, 1, 1'000);
  for (auto _ : state) {
    timer_wheel wheel;
    for (std::size_t i = 0; i < n; ++i) {
      entries[i].deadline = deadlines[i];
      wheel.insert(&entries[i]);
    }
    std::size_t fired = 0;
    for (std::uint64_t t = 1; t <= 1'000; ++t) {
      fired += wheel.advance(t, [](timer_entry* e) { benchmark::DoNotOptimize(e); });
    }
    if (fired != n) state.SkipWithError("not every timer fired");
    benchmark::DoNotOptimize(fired);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_time_wheel_fire_many)->Unit(benchmark::kMillisecond);

} // namespace
