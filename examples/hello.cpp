// hello: the smallest weft program. It shows the four things every weft program uses:
//
//   weft::block_on(f)   runs a future to completion on the calling thread, inside the
//                       default runtime (one worker thread per core), and returns its output;
//   weft::spawn(f)      starts a task that runs concurrently, on any worker; it returns a
//                       join_handle;
//   co_await handle     waits for a spawned task and gives its output (joining it);
//   weft::time::sleep   waits without blocking a thread: the worker runs other tasks meanwhile.
//
// Run it:   ./build/dev/examples/weft_example_hello
// (Under ctest it runs the same way; it checks its own output and exits 0.)
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>
#include <vector>

using namespace std::chrono_literals;

namespace {

// A coroutine returning weft::task<T> is a lazy future: nothing runs until it is awaited,
// spawned, or given to block_on.
weft::task<int> greet(int n) {
  // Each greeter sleeps a different time; while it sleeps its worker runs the others.
  co_await weft::time::sleep(std::chrono::milliseconds(10 * (3 - n)));
  std::printf("hello from task %d\n", n);
  co_return n * 10;
}

weft::task<int> run() {
  const auto start = weft::time::now();

  // spawn: all three tasks start at once.
  std::vector<weft::join_handle<int>> handles;
  for (int n = 0; n < 3; ++n) handles.push_back(weft::spawn(greet(n)));

  // join: awaiting a handle waits for its task. The tasks already run in parallel, so the
  // whole wait is as long as the slowest (30 ms), not the sum (60 ms).
  int total = 0;
  for (auto& h : handles) total += co_await h;

  // weft::join awaits several futures in this task at once (no spawn needed) and gives a
  // tuple of their outputs.
  auto [a, b] = co_await weft::join(greet(1), greet(2));

  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(weft::time::now() - start).count();
  std::printf("total %d, joined %d + %d, in %lld ms\n", total, a, b, static_cast<long long>(ms));
  co_return (total == 30 && a == 10 && b == 20) ? 0 : 1;
}

} // namespace

int main() { return weft::block_on(run()); }
