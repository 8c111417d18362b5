// spawn_join: spawn tasks onto the default runtime, join them, use a task group, and run a
// blocking job on the blocking pool.
#include <weft/weft.hpp>

#include <cstdio>
#include <numeric>
#include <vector>

weft::task<long> square(long x) {
  co_await weft::yield_now();  // let the other tasks run in between
  co_return x * x;
}

weft::task<int> run() {
  // Spawned tasks start at once, on any worker; the handles give their outputs.
  std::vector<weft::join_handle<long>> handles;
  for (long i = 1; i <= 100; ++i) handles.push_back(weft::spawn(square(i)));
  long sum = 0;
  for (auto& h : handles) sum += co_await h;
  std::printf("sum of squares 1..100 = %ld\n", sum);

  // A task group joins its tasks together and aborts the unfinished ones on scope exit.
  weft::task_group<long> group;
  for (long i = 1; i <= 10; ++i) group.spawn(square(i));
  auto outs = co_await group.join_all();
  std::printf("group: %zu results, total %ld\n", outs.size(),
              std::accumulate(outs.begin(), outs.end(), 0L));

  // Blocking work goes to the blocking pool, not to a worker.
  const long fib = co_await weft::spawn_blocking([] {
    long a = 0, b = 1;
    for (int i = 0; i < 50; ++i) b = std::exchange(a, b) + b;
    return a;
  });
  std::printf("fib(50) = %ld (on the blocking pool)\n", fib);
  co_return sum == 338350 && fib == 12586269025L ? 0 : 1;
}

int main() { return weft::block_on(run()); }
