// bench/time/sleep_bench.cpp: timers through the reactor: a million tasks sleeping at once
// (wall time and peak memory; the peers' timers body), and the cost of
// registering a sleep in the wheel and cancelling it.
// Not here: the wheel data structure alone (bench/io/timer_wheel_bench.cpp).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;

/// VmHWM (peak resident set) of this process, in MiB.
double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

weft::task<void> sleeper(std::chrono::milliseconds d) { co_await weft::time::sleep(d); }

// The body of ../shared/peers' `tokio_micro timers`: 1,000,000 tasks, each sleeping a
// pseudo-random 1..1000 ms (xorshift64, the peers' seed), all spawned from one task, then
// every handle awaited. range(0): 0 = current-thread runtime, n = n workers.
void BM_time_sleep_many(benchmark::State& state) {
  constexpr long tasks = 1'000'000;
  const double rss_before = peak_rss_mib();
  auto b = weft::runtime::builder();
  if (state.range(0) == 0) {
    b.current_thread();
  } else {
    b.workers(static_cast<std::size_t>(state.range(0)));
  }
  auto rt = b.build();
  double wall_s = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    rt.block_on(rt.spawn([](long n) -> weft::task<void> {
      std::vector<std::chrono::milliseconds> ds;
      ds.reserve(static_cast<std::size_t>(n));
      std::uint64_t x = 0x9E3779B97F4A7C15ull;
      for (long i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ds.push_back(std::chrono::milliseconds(1 + x % 1000));
      }
      std::vector<weft::join_handle<void>> hs;
      hs.reserve(ds.size());
      for (auto d : ds) hs.push_back(weft::spawn(sleeper(d)));
      for (auto& h : hs) co_await h;
    }(tasks)));
    wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double rss_after = peak_rss_mib();
  state.counters["wall_s"] = wall_s / static_cast<double>(state.iterations());
  state.counters["peak_rss_MiB"] = rss_after;
  state.counters["rss_growth_MiB"] = rss_after - rss_before;
  state.counters["bytes_per_task"] = (rss_after - rss_before) * 1024.0 * 1024.0 / static_cast<double>(tasks);
}
BENCHMARK(BM_time_sleep_many)
    ->ArgName("workers")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One sleep created, polled once (so it registers in the wheel), and dropped (unlinked),
// inside a task on the benchmark thread. The wheel holds `range(0)` other timers.
void BM_time_timer_insert_cancel(benchmark::State& state) {
  auto rt = weft::runtime::builder().current_thread().build();
  const long background = state.range(0);
  rt.block_on([](benchmark::State& st, long bg) -> weft::task<void> {
    // Background timers far in the future, so the wheel is not empty.
    std::vector<weft::time::sleep_future> keep;
    keep.reserve(static_cast<std::size_t>(bg));
    for (long i = 0; i < bg; ++i) keep.emplace_back(weft::time::now() + std::chrono::hours(1) + std::chrono::milliseconds(i));
    co_await weft::poll_fn([&](weft::context& cx) -> weft::poll<void> {
      for (auto& s : keep) (void)s.poll(cx);
      std::uint64_t x = 0x2545F4914F6CDD1Dull;
      for (auto _ : st) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        weft::time::sleep_future s(weft::time::now() + std::chrono::milliseconds(1 + x % 60'000));
        benchmark::DoNotOptimize(s.poll(cx).is_pending());
      }  // dropped here: removed from the wheel
      return weft::ready();
    });
  }(state, background));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_time_timer_insert_cancel)->Arg(0)->Arg(10'000);

} // namespace
