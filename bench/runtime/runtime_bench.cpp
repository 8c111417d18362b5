// bench/runtime/runtime_bench.cpp: the executor's hot paths, tokio-style names.
//   BM_rt_spawn_many      1,000,000 empty tasks spawned from inside a task (local spawns),
//                         then every handle awaited; per task spawned and joined
//   BM_rt_spawn_parallel  one spawner per worker, 1,000,000 tasks in all; per task
//   BM_rt_ping_pong       two tasks hand a token back and forth; per hand-off
//   BM_rt_ping_pong_cross_worker  the same, pinned to two workers; per hand-off
//   BM_rt_yield_many      N tasks each yield_now() 1000 times; per yield
//   BM_rt_chained_spawn   each task spawns the next, 100,000 deep; per task
//   BM_rt_spawn_blocking  spawn_blocking of a trivial function; per job
// The range argument is the worker count (0: the current-thread flavour) or the blocking
// pool size. BM_rt_spawn_many is the body of ../shared/peers' `tokio_micro spawn`. Each runtime is built
// once, outside the timing loop; iterations are fixed and few so the binary runs in < 1 min.
// Every benchmark reports items/s and the inverted rate `per_item` (time per item).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "weft/runtime.hpp"

namespace {

void report_items(benchmark::State& state, std::int64_t per_iteration) {
  state.SetItemsProcessed(state.iterations() * per_iteration);
  state.counters["per_item"] = benchmark::Counter(
      static_cast<double>(per_iteration),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

/// `workers` 0 means the current-thread flavour (tokio's `ct`), n > 0 a runtime with n workers.
weft::runtime make_runtime(std::int64_t workers) {
  auto b = weft::runtime::builder();
  if (workers == 0) {
    b.current_thread();
  } else {
    b.workers(static_cast<std::size_t>(workers));
  }
  return b.build();
}

// A minimal single-taker hand-off: a flag, plus the taker's waker under a spin lock.
// put(): set the flag, then take the waker out under the lock and wake it.
// take(): ready if the flag was set; else store the waker under the lock and re-check the
// flag. Whichever of the two takes the lock second sees the other's write, so no wake is
// lost (a stale stored waker only causes a harmless spurious wake later).
class bench_handoff {
public:
  class take_future {
  public:
    explicit take_future(bench_handoff& h) noexcept : h_(&h) {}
    weft::poll<void> poll(weft::context& cx) {
      // acquire: pairs with put's release store; the sender's writes are visible.
      if (h_->full_.exchange(false, std::memory_order_acquire)) return weft::ready();
      h_->lock();
      if (h_->waker_) {
        h_->waker_->clone_from(cx.waker());
      } else {
        h_->waker_.emplace(cx.waker());
      }
      h_->unlock();
      if (h_->full_.exchange(false, std::memory_order_acquire)) return weft::ready();
      return weft::pending;
    }

  private:
    bench_handoff* h_;
  };

  void put() {
    // release: publishes the sender's writes to the taker's acquire exchange.
    full_.store(true, std::memory_order_release);
    lock();
    std::optional<weft::waker> w;
    w.swap(waker_);
    unlock();
    if (w) std::move(*w).wake();
  }
  take_future take() noexcept { return take_future(*this); }

private:
  void lock() noexcept {
    // acquire/release: the waker slot is only touched between lock and unlock.
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) weft::detail::spin_pause();
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  std::atomic<bool> full_{false};
  std::atomic<bool> locked_{false};
  std::optional<weft::waker> waker_;
};

// ---- BM_rt_spawn_many -------------------------------------------------------------------

weft::task<void> empty_task() { co_return; }

weft::task<void> spawn_many(std::int64_t n) {
  std::vector<weft::join_handle<void>> hs;
  hs.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) hs.push_back(weft::spawn(empty_task()));
  for (auto& h : hs) co_await h;
}

void BM_rt_spawn_many(benchmark::State& state) {
  constexpr std::int64_t n = 1'000'000;
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) rt.block_on(rt.spawn(spawn_many(n)));
  report_items(state, n);
}
BENCHMARK(BM_rt_spawn_many)
    ->ArgName("workers")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---- BM_rt_spawn_parallel ---------------------------------------------------------------
// One spawner task per worker (pinned to it), each spawning n / workers empty tasks and then
// awaiting them: the throughput of spawn+join when every worker spawns (it should scale
// with the worker count: goal >= 1.6x on 2 workers over 1).

weft::task<void> spawn_share(std::int64_t n) {
  std::vector<weft::join_handle<void>> hs;
  hs.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) hs.push_back(weft::spawn(empty_task()));
  for (auto& h : hs) co_await h;
}

weft::task<void> spawn_parallel(std::int64_t n, std::size_t workers) {
  std::vector<weft::join_handle<void>> spawners;
  for (std::size_t w = 0; w < workers; ++w)
    spawners.push_back(weft::spawn_on(w, spawn_share(n / static_cast<std::int64_t>(workers))));
  for (auto& h : spawners) co_await h;
}

void BM_rt_spawn_parallel(benchmark::State& state) {
  constexpr std::int64_t n = 1'000'000;
  const auto workers = static_cast<std::size_t>(state.range(0));
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) rt.block_on(rt.spawn(spawn_parallel(n, workers)));
  report_items(state, n);
}
BENCHMARK(BM_rt_spawn_parallel)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---- BM_rt_ping_pong --------------------------------------------------------------------

weft::task<void> pinger(bench_handoff* in, bench_handoff* out, std::int64_t rounds) {
  for (std::int64_t i = 0; i < rounds; ++i) {
    out->put();
    co_await in->take();
  }
}

weft::task<void> ponger(bench_handoff* in, bench_handoff* out, std::int64_t rounds) {
  for (std::int64_t i = 0; i < rounds; ++i) {
    co_await in->take();
    out->put();
  }
}

weft::task<void> ping_pong(std::int64_t hand_offs) {
  bench_handoff a_to_b, b_to_a;
  auto b = weft::spawn(ponger(&a_to_b, &b_to_a, hand_offs / 2));
  auto a = weft::spawn(pinger(&b_to_a, &a_to_b, hand_offs / 2));
  co_await a;
  co_await b;
}

void BM_rt_ping_pong(benchmark::State& state) {
  constexpr std::int64_t hand_offs = 1'000'000;
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) rt.block_on(rt.spawn(ping_pong(hand_offs)));
  report_items(state, hand_offs);
}
BENCHMARK(BM_rt_ping_pong)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The same, with the two tasks pinned to different workers (stealing off), so every
// hand-off is a wake across threads; with stealing on, a wake lands in the waking worker's
// LIFO slot and both tasks end up on one worker. Fewer hand-offs: each may cost a futex
// round trip when the other worker has already parked.
weft::task<void> ping_pong_pinned(std::int64_t hand_offs) {
  bench_handoff a_to_b, b_to_a;
  auto b = weft::spawn_on(1, ponger(&a_to_b, &b_to_a, hand_offs / 2));
  auto a = weft::spawn_on(0, pinger(&b_to_a, &a_to_b, hand_offs / 2));
  co_await a;
  co_await b;
}

void BM_rt_ping_pong_cross_worker(benchmark::State& state) {
  constexpr std::int64_t hand_offs = 20'000;
  auto rt = weft::runtime::builder().workers(2).enable_stealing(false).build();
  for (auto _ : state) rt.block_on(rt.spawn(ping_pong_pinned(hand_offs)));
  report_items(state, hand_offs);
}
BENCHMARK(BM_rt_ping_pong_cross_worker)
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---- BM_rt_yield_many -------------------------------------------------------------------

constexpr std::int64_t yield_tasks = 200;
constexpr std::int64_t yields_per_task = 1000;

weft::task<void> yielder() {
  for (std::int64_t i = 0; i < yields_per_task; ++i) co_await weft::yield_now();
}

weft::task<void> yield_many() {
  std::vector<weft::join_handle<void>> hs;
  for (std::int64_t i = 0; i < yield_tasks; ++i) hs.push_back(weft::spawn(yielder()));
  for (auto& h : hs) co_await h;
}

void BM_rt_yield_many(benchmark::State& state) {
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) rt.block_on(rt.spawn(yield_many()));
  report_items(state, yield_tasks * yields_per_task);
}
BENCHMARK(BM_rt_yield_many)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(10)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---- BM_rt_chained_spawn ----------------------------------------------------------------

weft::task<void> chain_link(std::int64_t left, bench_handoff* done) {
  if (left == 0) {
    done->put();
  } else {
    weft::spawn(chain_link(left - 1, done)).detach();
  }
  co_return;
}

weft::task<void> chained_spawn(std::int64_t depth) {
  bench_handoff done;
  weft::spawn(chain_link(depth, &done)).detach();
  co_await done.take();
}

void BM_rt_chained_spawn(benchmark::State& state) {
  constexpr std::int64_t depth = 100'000;
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) rt.block_on(rt.spawn(chained_spawn(depth)));
  report_items(state, depth);
}
BENCHMARK(BM_rt_chained_spawn)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---- BM_rt_spawn_blocking ---------------------------------------------------------------

weft::task<void> spawn_blocking_jobs(std::int64_t n, std::atomic<std::int64_t>* sum) {
  std::vector<weft::join_handle<void>> hs;
  hs.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    hs.push_back(weft::spawn_blocking([sum] { sum->fetch_add(1, std::memory_order_relaxed); }));
  for (auto& h : hs) co_await h;
}

void BM_rt_spawn_blocking(benchmark::State& state) {
  constexpr std::int64_t jobs = 10'000;
  auto rt = weft::runtime::builder()
                .workers(1)
                .max_blocking_threads(static_cast<std::size_t>(state.range(0)))
                .build();
  std::atomic<std::int64_t> sum{0};
  rt.block_on(rt.spawn(spawn_blocking_jobs(jobs, &sum)));  // warm the pool up
  for (auto _ : state) rt.block_on(rt.spawn(spawn_blocking_jobs(jobs, &sum)));
  benchmark::DoNotOptimize(sum.load());
  report_items(state, jobs);
}
BENCHMARK(BM_rt_spawn_blocking)
    ->ArgName("max_threads")
    ->Arg(4)
    ->Arg(512)
    ->Iterations(10)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

} // namespace
