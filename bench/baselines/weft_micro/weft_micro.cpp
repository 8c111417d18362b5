// bench/baselines/weft_micro/weft_micro.cpp: weft's side of the runtime micro benchmarks
// that bench/run runs against Tokio's (same bodies as tokio_micro.rs, same output line).
//   spawn   1,000,000 weft::spawn of an empty task from inside a spawned task, then every
//           handle awaited; ns per task
//   timers  1,000,000 spawned tasks each sleeping 1..=1000 ms (xorshift64), every handle
//           awaited; wall ms from the first spawn to the last join, and peak RSS
// Usage: weft_micro spawn|timers ct|mt1|mt2
#include <string_view>
#include <vector>

#include "micro_common.hpp"

namespace {

weft::task<void> empty() { co_return; }

weft::task<double> spawn_body() {
  constexpr int n = 1'000'000;
  const auto t0 = micro::clock::now();
  std::vector<weft::join_handle<void>> hs;
  hs.reserve(n);
  for (int i = 0; i < n; ++i) hs.push_back(weft::spawn(empty()));
  for (auto& h : hs) co_await h;
  co_return micro::ns_since(t0) / n;
}

weft::task<void> sleeper(std::chrono::milliseconds d) { co_await weft::time::sleep(d); }

weft::task<double> timers_body() {
  constexpr int n = 1'000'000;
  micro::xorshift64 rng;
  const auto t0 = micro::clock::now();
  std::vector<weft::join_handle<void>> hs;
  hs.reserve(n);
  for (int i = 0; i < n; ++i)
    hs.push_back(weft::spawn(sleeper(std::chrono::milliseconds(1 + rng.next() % 1000))));
  for (auto& h : hs) co_await h;
  co_return micro::ns_since(t0) / 1e6;
}

// The body runs inside a spawned task, as on the Tokio side.
template <class Body> weft::task<double> spawned(Body body) { co_return co_await weft::spawn(body()); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) micro::usage(argv[0], "spawn|timers");
  const std::string_view bench = argv[1];
  auto rt = micro::make_runtime(argv[2]);
  if (bench == "spawn") {
    micro::print(rt.block_on(spawned(spawn_body)), "ns/task");
  } else if (bench == "timers") {
    const double ms = rt.block_on(spawned(timers_body));
    micro::print(ms, "ms", micro::peak_rss_kb());
  } else {
    micro::usage(argv[0], "spawn|timers");
  }
  return 0;
}
