// bench/io/io_bench.cpp: the cost of one io_uring round trip through weft's reactor: a NOP
// submitted by a leaf future, reaped, waking its task, re-polled. Sequential in one spawned
// task, and 64 tasks at once (batched submissions); a raw liburing loop doing the same job
// on one thread is the ceiling.
// Not here: timers (bench/time), the wheel alone (timer_wheel_bench.cpp).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include <liburing.h>

#include "weft/weft.hpp"

namespace {

constexpr long ops_per_task = 10'000;

weft::task<long> nops(long n) {
  long ok = 0;
  for (long i = 0; i < n; ++i) ok += (co_await weft::io::nop()) ? 1 : 0;
  co_return ok;
}

void report_per_op(benchmark::State& state, long ops_per_iteration) {
  state.SetItemsProcessed(state.iterations() * ops_per_iteration);
  state.counters["per_op"] = benchmark::Counter(
      static_cast<double>(state.iterations() * ops_per_iteration),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// One task on a one-worker runtime awaits nops back to back: each is a full round trip.
void BM_io_nop(benchmark::State& state) {
  auto rt = weft::runtime::builder().workers(1).build();
  for (auto _ : state) {
    const long ok = rt.block_on(rt.spawn(nops(ops_per_task)));
    if (ok != ops_per_task) state.SkipWithError("a nop failed");
  }
  report_per_op(state, ops_per_task);
}
BENCHMARK(BM_io_nop)->UseRealTime()->Unit(benchmark::kMillisecond);

// The same on a current-thread runtime (the task runs on the benchmark thread).
void BM_io_nop_current_thread(benchmark::State& state) {
  auto rt = weft::runtime::builder().current_thread().build();
  for (auto _ : state) {
    const long ok = rt.block_on(rt.spawn(nops(ops_per_task)));
    if (ok != ops_per_task) state.SkipWithError("a nop failed");
  }
  report_per_op(state, ops_per_task);
}
BENCHMARK(BM_io_nop_current_thread)->UseRealTime()->Unit(benchmark::kMillisecond);

// 64 tasks at once, each awaiting its nops sequentially: submissions batch per tick.
// Arg: worker threads.
void BM_io_nop_concurrent64(benchmark::State& state) {
  constexpr long tasks = 64;
  constexpr long per_task = ops_per_task / 10;
  auto rt = weft::runtime::builder().workers(static_cast<std::size_t>(state.range(0))).build();
  for (auto _ : state) {
    const long ok = rt.block_on([]() -> weft::task<long> {
      std::vector<weft::join_handle<long>> hs;
      hs.reserve(tasks);
      for (long t = 0; t < tasks; ++t) hs.push_back(weft::spawn(nops(per_task)));
      long sum = 0;
      for (auto& h : hs) sum += co_await h;
      co_return sum;
    }());
    if (ok != tasks * per_task) state.SkipWithError("a nop failed");
  }
  report_per_op(state, tasks * per_task);
}
BENCHMARK(BM_io_nop_concurrent64)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The ceiling: one thread, one ring, submit one NOP and wait for it, repeatedly.
void BM_io_nop_raw_liburing(benchmark::State& state) {
  io_uring ring;
  io_uring_params p{};
  p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
            IORING_SETUP_DEFER_TASKRUN;
  if (io_uring_queue_init_params(256, &ring, &p) < 0) {
    state.SkipWithError("io_uring_queue_init failed");
    return;
  }
  for (auto _ : state) {
    for (long i = 0; i < ops_per_task; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) {
        state.SkipWithError("SQ full");
        break;
      }
      io_uring_prep_nop(sqe);
      io_uring_cqe* cqe = nullptr;
      io_uring_submit_and_wait(&ring, 1);
      if (io_uring_peek_cqe(&ring, &cqe) == 0) io_uring_cqe_seen(&ring, cqe);
    }
  }
  io_uring_queue_exit(&ring);
  report_per_op(state, ops_per_task);
}
BENCHMARK(BM_io_nop_raw_liburing)->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace
