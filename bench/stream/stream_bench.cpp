// bench/stream/stream_bench.cpp: stream costs per item.
// - BM_stream_pipeline: from_range(iota 0..10M) | map | filter | fold, polled as one future
//   (arg 0: polled directly, outside an executor, no cooperative budget; arg 1: inside a
//   current-thread runtime's block_on, with the budget making it yield every 128 items).
// - BM_stream_pipeline_loop: the same work as a plain for loop (the ceiling).
// - BM_stream_generator: an async_generator yielding 10M values into a fold (per yield).
// - BM_stream_generator_await: a generator that also awaits a ready future per item.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <ranges>

#include "weft/core/ready.hpp"
#include "weft/stream.hpp"
#include "weft/weft.hpp"

namespace {

namespace ws = weft::stream;
constexpr std::uint64_t n_items = 10'000'000;

template <class F> auto poll_to_end(F f) {
  weft::waker w = weft::noop_waker();
  weft::context cx(w);
  for (;;) {
    auto p = f.poll(cx);
    if (p.is_ready()) return p.take();
  }
}

auto pipeline() {
  return ws::from_range(std::views::iota(std::uint64_t{0}, n_items)) |
         ws::map([](std::uint64_t x) { return x * 3; }) |
         ws::filter([](std::uint64_t x) { return (x & 1) == 0; }) |
         ws::fold(std::uint64_t{0}, [](std::uint64_t a, std::uint64_t x) { return a + x; });
}

void BM_stream_pipeline(benchmark::State& state) {
  const bool in_runtime = state.range(0) == 1;
  auto rt = weft::runtime::builder().current_thread().build();
  for (auto _ : state) {
    const std::uint64_t sum = in_runtime ? rt.block_on(pipeline()) : poll_to_end(pipeline());
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n_items));
}
BENCHMARK(BM_stream_pipeline)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_stream_pipeline_loop(benchmark::State& state) {
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < n_items; ++i) {
      benchmark::DoNotOptimize(i);
      const std::uint64_t x = i * 3;
      if ((x & 1) == 0) sum += x;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n_items));
}
BENCHMARK(BM_stream_pipeline_loop)->Unit(benchmark::kMillisecond);

weft::async_generator<std::uint64_t> counting(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) co_yield i;
}

weft::async_generator<std::uint64_t> counting_awaiting(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) co_yield co_await weft::ready(i);
}

void BM_stream_generator(benchmark::State& state) {
  for (auto _ : state) {
    auto sum = poll_to_end(counting(n_items) |
                           ws::fold(std::uint64_t{0}, [](std::uint64_t a, std::uint64_t x) { return a + x; }));
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n_items));
}
BENCHMARK(BM_stream_generator)->Unit(benchmark::kMillisecond);

void BM_stream_generator_await(benchmark::State& state) {
  for (auto _ : state) {
    auto sum = poll_to_end(counting_awaiting(n_items) |
                           ws::fold(std::uint64_t{0}, [](std::uint64_t a, std::uint64_t x) { return a + x; }));
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n_items));
}
BENCHMARK(BM_stream_generator_await)->Unit(benchmark::kMillisecond);

} // namespace
