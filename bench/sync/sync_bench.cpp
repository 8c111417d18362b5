// bench/sync/sync_bench.cpp: the sync layer's hot paths, tokio-style names; the bodies of
// ../shared/peers' `tokio_micro mpsc` and `pingpong` for the first two/third.
//   BM_sync_mpsc_bounded     one producer task sends 10,000,000 u64 through capacity 1024 to
//                            one consumer task; per message
//   BM_sync_mpsc_contended   4 producer tasks, 10,000,000 u64 in all, capacity 1024; per message
//   BM_sync_ping_pong        two tasks hand a counter back and forth through two capacity-1
//                            channels; per hop
//   BM_sync_oneshot          make a oneshot, spawn a task that sends, await it; per oneshot
//   BM_sync_mutex_contended  4 tasks each lock a mutex<u64> 100,000 times (yielding every
//                            16 locks inside the lock); per lock
//   BM_sync_notify           two tasks alternate through two notify objects; per notify
// Argument: 0 = the current-thread flavour, n > 0 = n workers. Bodies run inside a spawned
// task (as the peers do), so the channels are made on the thread that uses them.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "weft/runtime.hpp"
#include "weft/sync.hpp"

namespace {

using weft::sync::mpsc;

void report_items(benchmark::State& state, std::int64_t per_iteration) {
  state.SetItemsProcessed(state.iterations() * per_iteration);
  state.counters["per_item"] = benchmark::Counter(
      static_cast<double>(per_iteration),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

weft::runtime make_runtime(std::int64_t workers) {
  auto b = weft::runtime::builder();
  if (workers == 0) {
    b.current_thread();
  } else {
    b.workers(static_cast<std::size_t>(workers));
  }
  return b.build();
}

template <class Body> void run_in_task(weft::runtime& rt, Body body) {
  rt.block_on([](weft::runtime& r, Body b) -> weft::task<void> {
    co_await r.handle().spawn(b());
  }(rt, std::move(body)));
}

constexpr std::uint64_t msgs = 10'000'000;

weft::task<void> producer(mpsc<std::uint64_t>::sender param, std::uint64_t from, std::uint64_t n) {
  auto tx = std::move(param);
  for (std::uint64_t i = from; i < from + n; ++i) (void)co_await tx.send(i);
}
weft::task<std::uint64_t> consumer(mpsc<std::uint64_t>::receiver param) {
  auto rx = std::move(param);
  std::uint64_t sum = 0;
  while (auto v = co_await rx.recv()) sum += *v;
  co_return sum;
}

weft::task<void> mpsc_body(int producers) {
  auto [tx, rx] = mpsc<std::uint64_t>::channel(1024);
  std::vector<weft::join_handle<void>> ps;
  const std::uint64_t each = msgs / static_cast<std::uint64_t>(producers);
  for (int p = 0; p < producers; ++p)
    ps.push_back(weft::spawn(producer(tx, static_cast<std::uint64_t>(p) * each, each)));
  { auto gone = std::move(tx); }
  auto c = weft::spawn(consumer(std::move(rx)));
  for (auto& h : ps) co_await h;
  const std::uint64_t sum = co_await c;
  if (sum != msgs * (msgs - 1) / 2) std::abort();
}

void BM_sync_mpsc_bounded(benchmark::State& state) {
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) run_in_task(rt, [] { return mpsc_body(1); });
  report_items(state, static_cast<std::int64_t>(msgs));
}
BENCHMARK(BM_sync_mpsc_bounded)->Arg(0)->Arg(1)->Arg(2)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_sync_mpsc_contended(benchmark::State& state) {
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) run_in_task(rt, [] { return mpsc_body(4); });
  report_items(state, static_cast<std::int64_t>(msgs));
}
BENCHMARK(BM_sync_mpsc_contended)->Arg(0)->Arg(1)->Arg(2)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr std::uint64_t hops = 2'000'000;

weft::task<void> pong(mpsc<std::uint64_t>::receiver rx_param, mpsc<std::uint64_t>::sender tx_param) {
  auto rx = std::move(rx_param);
  auto tx = std::move(tx_param);
  while (auto v = co_await rx.recv()) {
    if (!co_await tx.send(*v + 1)) break;
  }
}
weft::task<void> ping_pong_body() {
  auto [tx1, rx1] = mpsc<std::uint64_t>::channel(1);
  auto [tx2, rx2] = mpsc<std::uint64_t>::channel(1);
  auto p = weft::spawn(pong(std::move(rx1), std::move(tx2)));
  for (std::uint64_t i = 0; i < hops / 2; ++i) {
    (void)co_await tx1.send(i);
    (void)co_await rx2.recv();
  }
  { auto gone = std::move(tx1); }
  co_await p;
}
void BM_sync_ping_pong(benchmark::State& state) {
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) run_in_task(rt, [] { return ping_pong_body(); });
  report_items(state, static_cast<std::int64_t>(hops));
}
BENCHMARK(BM_sync_ping_pong)->Arg(0)->Arg(1)->Arg(2)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr std::int64_t oneshots = 200'000;
weft::task<void> oneshot_body() {
  for (std::int64_t i = 0; i < oneshots; ++i) {
    auto [tx, rx] = weft::sync::oneshot<std::int64_t>::channel();
    auto h = weft::spawn([](weft::sync::oneshot<std::int64_t>::sender param, std::int64_t v) -> weft::task<void> {
      auto s = std::move(param);
      (void)s.send(v);
      co_return;
    }(std::move(tx), i));
    (void)co_await rx;
    co_await h;
  }
}
void BM_sync_oneshot(benchmark::State& state) {
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) run_in_task(rt, [] { return oneshot_body(); });
  report_items(state, oneshots);
}
BENCHMARK(BM_sync_oneshot)->Arg(0)->Arg(1)->Arg(2)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr std::int64_t locks_each = 100'000;
weft::task<void> locker(weft::sync::mutex<std::uint64_t>& m) {
  for (std::int64_t i = 0; i < locks_each; ++i) {
    auto g = co_await m.lock();
    ++*g;
    if (i % 16 == 0) co_await weft::yield_now();  // holds the lock across a yield: contention
  }
}
weft::task<void> mutex_body() {
  weft::sync::mutex<std::uint64_t> m(0);
  std::vector<weft::join_handle<void>> hs;
  for (int t = 0; t < 4; ++t) hs.push_back(weft::spawn(locker(m)));
  for (auto& h : hs) co_await h;
  if (m.get_mut() != 4 * static_cast<std::uint64_t>(locks_each)) std::abort();
}
void BM_sync_mutex_contended(benchmark::State& state) {
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) run_in_task(rt, [] { return mutex_body(); });
  report_items(state, 4 * locks_each);
}
BENCHMARK(BM_sync_mutex_contended)->Arg(0)->Arg(1)->Arg(2)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr std::int64_t notifies = 1'000'000;
weft::task<void> notify_player(weft::sync::notify& in, weft::sync::notify& out, bool serve) {
  if (serve) out.notify_one();
  for (std::int64_t i = 0; i < notifies / 2; ++i) {
    co_await in.notified();
    if (!serve || i + 1 < notifies / 2) out.notify_one();
  }
}
weft::task<void> notify_body() {
  weft::sync::notify a, b;
  auto p = weft::spawn(notify_player(a, b, false));
  co_await notify_player(b, a, true);
  co_await p;
}
void BM_sync_notify(benchmark::State& state) {
  auto rt = make_runtime(state.range(0));
  for (auto _ : state) run_in_task(rt, [] { return notify_body(); });
  report_items(state, notifies);
}
BENCHMARK(BM_sync_notify)->Arg(0)->Arg(1)->Arg(2)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
