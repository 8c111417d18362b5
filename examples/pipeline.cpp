// pipeline: a producer task feeds a bounded mpsc channel; the consumer turns the receiver
// into a stream and runs it through stream adaptors; a CPU-heavy stage runs on the blocking
// pool (spawn_blocking) so it never stalls the async workers.
//
//   producer task ──mpsc(8)──▶ from_receiver ─▶ filter ─▶ map ─▶ map(spawn_blocking)
//                                                 ─▶ buffer_unordered(4) ─▶ fold (consumer)
//
// Run it:   ./build/dev/examples/weft_example_pipeline [--jobs N] [--work N]
// It checks the pipeline's answer against a plain loop and exits 0 when they agree.
//
// Threads or tasks?
// - Tasks (weft::spawn, or plain co_await) are for work that WAITS: sockets, timers,
//   channels, files. Thousands of them share a few worker threads because a waiting task
//   costs no thread. A task must not run long without an await: while it computes, the
//   other tasks on its worker wait (weft's cooperative budget cannot preempt pure CPU work).
// - Threads (weft::spawn_blocking) are for work that COMPUTES for long or calls blocking
//   APIs (a legacy library, getaddrinfo, a big checksum). The blocking pool grows a thread
//   for it; awaiting its join_handle is again an ordinary non-blocking wait.
// Rule of thumb: if a step takes more than ~100 µs without awaiting, move it to
// spawn_blocking (or split it with co_await weft::yield_now()).
#include <weft/stream.hpp>
#include <weft/sync.hpp>
#include <weft/weft.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ws = weft::stream;

namespace {

// The CPU-heavy stage: iterate a 64-bit mix function `rounds` times. Pure computation with
// no await, so it belongs on the blocking pool.
std::uint64_t crunch(std::uint64_t x, std::uint64_t rounds) {
  for (std::uint64_t i = 0; i < rounds; ++i) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 29;
  }
  return x;
}

// The producer: a task sending 1..jobs. send() waits while the channel holds 8 values, so a
// fast producer cannot run ahead of a slow consumer (back-pressure with bounded memory).
weft::task<void> produce(weft::sync::mpsc<std::uint64_t>::sender tx, std::uint64_t jobs) {
  // When this task ends its frame goes, and with it `tx`: dropping the last sender is what
  // ends the receiver's stream (after the queued values).
  for (std::uint64_t n = 1; n <= jobs; ++n) {
    if (!co_await tx.send(n)) co_return;  // the receiver is gone: stop producing
  }
}

weft::task<std::uint64_t> consume(weft::sync::mpsc<std::uint64_t>::receiver rx,
                                  std::uint64_t rounds) {
  // Each adaptor is cheap and synchronous except the last two: map(...) turns each value
  // into a join_handle of a blocking-pool job, and buffer_unordered(4) keeps up to four of
  // those running at once, yielding results as they finish (in any order — fine for a sum).
  auto results = ws::from_receiver(std::move(rx))
                 | ws::filter([](std::uint64_t n) { return n % 3 != 0; })  // drop multiples of 3
                 | ws::map([](std::uint64_t n) { return n * n; })
                 | ws::map([rounds](std::uint64_t v) {
                     return weft::spawn_blocking([v, rounds] { return crunch(v, rounds); });
                   })
                 | ws::buffer_unordered(4);
  // fold is a future: awaiting it drives the whole pipeline to the end of the stream.
  // (Wrapping addition: the order of completion does not change a sum.)
  co_return co_await (std::move(results)
                      | ws::fold(std::uint64_t{0},
                                 [](std::uint64_t acc, std::uint64_t r) { return acc + r; }));
}

weft::task<int> run(std::uint64_t jobs, std::uint64_t rounds) {
  auto [tx, rx] = weft::sync::mpsc<std::uint64_t>::channel(8);
  auto producer = weft::spawn(produce(std::move(tx), jobs));
  const auto start = weft::time::now();
  const std::uint64_t got = co_await consume(std::move(rx), rounds);
  co_await producer;  // join the producer (it finished when the stream ended)
  const double secs = std::chrono::duration<double>(weft::time::now() - start).count();

  std::uint64_t want = 0;  // the same computation as a plain loop
  for (std::uint64_t n = 1; n <= jobs; ++n)
    if (n % 3 != 0) want += crunch(n * n, rounds);
  std::printf("pipeline: %llu jobs x %llu rounds in %.3f s, sum %016llx (%s)\n",
              static_cast<unsigned long long>(jobs), static_cast<unsigned long long>(rounds), secs,
              static_cast<unsigned long long>(got), got == want ? "ok" : "MISMATCH");
  co_return got == want ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  std::uint64_t jobs = 200, rounds = 200'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--jobs" && i + 1 < argc) {
      jobs = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--work" && i + 1 < argc) {
      rounds = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--jobs N] [--work ROUNDS]\n", argv[0]);
      return 2;
    }
  }
  return weft::block_on(run(jobs, rounds));
}
