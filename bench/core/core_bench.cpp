// bench/core/core_bench.cpp: the future model's hot paths: cloning and dropping a
// reference-counted waker, and join_all over many children that each yield once.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "weft/core.hpp"

namespace {

void BM_waker_clone_drop(benchmark::State& state) {
  // make_waker's waker is an atomic reference count, like a task's.
  const weft::waker w = weft::make_waker([] {});
  for (auto _ : state) {
    weft::waker c = w;  // clone: one atomic increment
    benchmark::DoNotOptimize(c);
  }  // drop: one atomic decrement
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_waker_clone_drop);

void BM_join_all(benchmark::State& state) {
  constexpr std::size_t n = 10'000;
  const weft::waker w = weft::noop_waker();
  for (auto _ : state) {
    std::vector<weft::yield_future> children(n);
    auto j = weft::join_all(std::move(children));
    weft::context cx(w);
    // Every child is pending once (waking itself), then ready: two polls of the join_all.
    while (j.poll(cx).is_pending()) {
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_join_all);

} // namespace
