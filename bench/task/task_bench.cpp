// bench/task/task_bench.cpp: the cost of task<T> itself: awaiting synchronously finishing
// child tasks (frame allocation, two trampoline resumes, result hand-off) and running a
// ready task with block_on_current_thread.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "weft/task.hpp"

namespace {

weft::task<int> child(int v) { co_return v; }

weft::task<std::int64_t> await_children(int n) {
  std::int64_t sum = 0;
  for (int i = 0; i < n; ++i) sum += co_await child(i);
  co_return sum;
}

void BM_task_await_chain(benchmark::State& state) {
  constexpr int n = 1000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(weft::block_on_current_thread(await_children(n)));
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_task_await_chain);

weft::task<int> ready_task() { co_return 1; }

void BM_block_on_ready(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(weft::block_on_current_thread(ready_task()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_block_on_ready);

} // namespace
