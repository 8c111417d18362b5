// bench/baselines/weft_micro/weft_micro_sync.cpp: the channel micro benchmarks on weft's
// side (same bodies as tokio_micro.rs): built only when include/weft/sync.hpp exists and its
// mpsc channel has the shape used here (bench/CMakeLists.txt checks that at configure time).
//   pingpong  two tasks pass a token through two capacity-1 mpsc channels; 1,000,000 hops;
//             ns per hop
//   mpsc      one producer task sends 10,000,000 u64 through a capacity-1024 channel to one
//             consumer task; ns per message
// Usage: weft_micro_sync pingpong|mpsc ct|mt1|mt2
#include <cstdint>
#include <string_view>

#include <weft/sync.hpp>

#include "micro_common.hpp"

namespace {

using u64_mpsc = weft::sync::mpsc<std::uint64_t>;

template <class Tx, class Rx> weft::task<void> bouncer(Rx rx, Tx tx) {
  while (auto v = co_await rx.recv()) {
    if (!co_await tx.send(*v)) co_return;
  }
}

weft::task<double> pingpong_body() {
  constexpr int hops = 1'000'000;  // a round trip is two hops
  auto [to_tx, to_rx] = u64_mpsc::channel(1);
  auto [back_tx, back_rx] = u64_mpsc::channel(1);
  auto peer = weft::spawn(bouncer(std::move(to_rx), std::move(back_tx)));
  const auto t0 = micro::clock::now();
  for (std::uint64_t i = 0; i < hops / 2; ++i) {
    if (!co_await to_tx.send(i)) break;
    if (!co_await back_rx.recv()) break;
  }
  const double ns = micro::ns_since(t0) / hops;
  { auto closing = std::move(to_tx); }  // the peer's recv ends, then it finishes
  co_await peer;
  co_return ns;
}

template <class Tx> weft::task<void> producer(Tx tx, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i)
    if (!co_await tx.send(i)) co_return;
}

weft::task<double> mpsc_body() {
  constexpr std::uint64_t n = 10'000'000;
  auto [tx, rx] = u64_mpsc::channel(1024);
  const auto t0 = micro::clock::now();
  auto prod = weft::spawn(producer(std::move(tx), n));
  std::uint64_t sum = 0, got = 0;
  while (auto v = co_await rx.recv()) {
    sum += *v;
    ++got;
  }
  co_await prod;
  const double ns = micro::ns_since(t0) / static_cast<double>(n);
  if (got != n || sum != n * (n - 1) / 2) {
    std::fprintf(stderr, "mpsc: received %llu values (sum %llu), expected %llu\n",
                 static_cast<unsigned long long>(got), static_cast<unsigned long long>(sum),
                 static_cast<unsigned long long>(n));
    std::exit(1);
  }
  co_return ns;
}

template <class Body> weft::task<double> spawned(Body body) { co_return co_await weft::spawn(body()); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) micro::usage(argv[0], "pingpong|mpsc");
  const std::string_view bench = argv[1];
  auto rt = micro::make_runtime(argv[2]);
  if (bench == "pingpong") micro::print(rt.block_on(spawned(pingpong_body)), "ns/hop");
  else if (bench == "mpsc") micro::print(rt.block_on(spawned(mpsc_body)), "ns/msg");
  else micro::usage(argv[0], "pingpong|mpsc");
  return 0;
}
