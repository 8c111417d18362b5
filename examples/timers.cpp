// timers: sleep, timeout, interval and select on weft's clock.
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

weft::task<int> slow_answer() {
  co_await weft::time::sleep(200ms);
  co_return 42;
}

weft::task<int> run() {
  const auto t0 = weft::time::now();
  co_await weft::time::sleep(20ms);
  const auto slept = std::chrono::duration_cast<std::chrono::milliseconds>(weft::time::now() - t0);
  std::printf("slept %lld ms (asked for 20)\n", static_cast<long long>(slept.count()));

  // timeout drops (cancels) the inner future when the deadline comes first.
  auto late = co_await weft::time::timeout(10ms, slow_answer());
  std::printf("timeout(10ms, slow_answer()) -> %s\n", late ? "value" : "timed out");
  auto on_time = co_await weft::time::timeout(1s, slow_answer());
  std::printf("timeout(1s, slow_answer()) -> %d\n", on_time ? *on_time : -1);

  // An interval ticks on a fixed grid.
  auto iv = weft::time::interval(5ms);
  for (int i = 0; i < 3; ++i) co_await iv.tick();
  std::printf("three interval ticks done\n");

  // select races futures; the loser is cancelled.
  auto winner = co_await weft::select(weft::time::sleep(5ms), slow_answer());
  std::printf("select winner: index %zu\n", winner.index());
  co_return (slept >= 20ms && !late && on_time && winner.index() == 0) ? 0 : 1;
}

int main() { return weft::block_on(run()); }
