// bench/time/sleep_bench.cpp: timers through the reactor: a million tasks sleeping at once
// on the default multi-thread runtime (wall time and peak memory), and the cost of
// registering a sleep in the wheel and cancelling it.
// Not here: the wheel data structure alone (bench/io/timer_wheel_bench.cpp).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

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

weft::task<void> sleeper(std::chrono::milliseconds d, std::atomic<long>* left,
                         weft::test::handoff* done) {
  co_await weft::time::sleep(d);
  if (left->fetch_sub(1, std::memory_order_acq_rel) == 1) done->put();
}

// 1,000,000 tasks, each sleeping a pseudo-random 1..1000 ms, all spawned at once.
void BM_time_sleep_many(benchmark::State& state) {
  const long tasks = state.range(0);
  const double rss_before = peak_rss_mib();
  weft::runtime rt;  // the default flavour: one worker per core
  double wall_s = 0;
  for (auto _ : state) {
    std::atomic<long> left{tasks};
    weft::test::handoff done;
    const auto start = std::chrono::steady_clock::now();
    rt.block_on([](long n, std::atomic<long>* l, weft::test::handoff* d) -> weft::task<void> {
      std::uint64_t x = 0x9E3779B97F4A7C15ull;
      for (long i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        weft::spawn(sleeper(std::chrono::milliseconds(1 + x % 1000), l, d)).detach();
      }
      co_await d->take();
    }(tasks, &left, &done));
    wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double rss_after = peak_rss_mib();
  state.counters["wall_s"] = wall_s / static_cast<double>(state.iterations());
  state.counters["peak_rss_MiB"] = rss_after;
  state.counters["rss_growth_MiB"] = rss_after - rss_before;
  state.counters["bytes_per_task"] = (rss_after - rss_before) * 1024.0 * 1024.0 / static_cast<double>(tasks);
}
BENCHMARK(BM_time_sleep_many)->Arg(1'000'000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

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
