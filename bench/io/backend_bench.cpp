// bench/io/backend_bench.cpp: the same leaf futures on both I/O backends (argument 0:
// io_uring, 1: epoll), one worker: a NOP round trip (on epoll a nop completes on its first
// poll, so this is the floor of an op there), and a one-byte ping-pong between two tasks over
// two pipes (each message: a write, a read that finds EAGAIN and waits, a wake-up).
// Not here: the reactor's NOP against raw liburing (io_bench.cpp), sockets (bench/net).
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>

#include <fcntl.h>
#include <unistd.h>

#include "weft/weft.hpp"

namespace {

weft::io_backend backend_arg(const benchmark::State& state) {
  return state.range(0) == 0 ? weft::io_backend::io_uring : weft::io_backend::epoll;
}

weft::runtime one_worker(weft::io_backend b) {
  return weft::runtime::builder().workers(1).io_backend(b).build();
}

void BM_io_backend_nop(benchmark::State& state) {
  constexpr long n = 10'000;
  auto rt = one_worker(backend_arg(state));
  for (auto _ : state) {
    const long ok = rt.block_on(rt.spawn([]() -> weft::task<long> {
      long k = 0;
      for (long i = 0; i < n; ++i) k += (co_await weft::io::nop()) ? 1 : 0;
      co_return k;
    }()));
    if (ok != n) state.SkipWithError("a nop failed");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(weft::to_string(backend_arg(state)));
}
BENCHMARK(BM_io_backend_nop)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

weft::task<long> bounce(int in, int out, long n, bool first) {
  std::array<std::byte, 1> b{std::byte{1}};
  long done = 0;
  for (long i = 0; i < n; ++i) {
    if (first || i > 0) {
      if (!(co_await weft::io::write(out, b))) co_return done;
    }
    auto r = co_await weft::io::read(in, b);
    if (!r || *r != 1) co_return done;
    ++done;
    if (!first && i + 1 == n) (void)co_await weft::io::write(out, b);
  }
  co_return done;
}

void BM_io_backend_pipe_pingpong(benchmark::State& state) {
  constexpr long n = 5'000;
  auto rt = one_worker(backend_arg(state));
  int a[2];
  int c[2];
  if (::pipe2(a, O_CLOEXEC) != 0 || ::pipe2(c, O_CLOEXEC) != 0) {
    state.SkipWithError("pipe2");
    return;
  }
  for (auto _ : state) {
    const long ok = rt.block_on([](int ar, int aw, int cr, int cw) -> weft::task<long> {
      auto ping = weft::spawn(bounce(cr, aw, n, true));   // writes a, reads c
      auto pong = weft::spawn(bounce(ar, cw, n, false));  // reads a, writes c
      const long x = co_await std::move(ping);
      const long y = co_await std::move(pong);
      co_return x + y;
    }(a[0], a[1], c[0], c[1]));
    if (ok != 2 * n) state.SkipWithError("a message was lost");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(weft::to_string(backend_arg(state)));
  for (int fd : {a[0], a[1], c[0], c[1]}) ::close(fd);
}
BENCHMARK(BM_io_backend_pipe_pingpong)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace
