// tests/model/explorer.hpp: weft's bounded-preemption interleaving explorer (a small loom).
// A model is a function that starts a few model threads over real weft code compiled with
// WEFT_MODEL_CHECK; explore() runs it once per interleaving of their shim operations (atomic
// operations, fences, waits, wakes, futex calls, spins, yields), depth first, up to a bound
// on preemptions, and stops at the first execution that fails an assertion, deadlocks, or
// runs too long. See README.md (writing a model, replaying a schedule, limits).
//
// Model threads are real threads; a baton (one mutex, one condition variable per thread)
// lets exactly one run at a time, and only a shim operation can pass the baton on. So each
// execution is sequentially consistent: weak-memory reorderings are not explored (TSan's job).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace weft::model {

/// How to explore. Environment overrides (read by explore):
///   WEFT_MODEL_PREEMPTIONS=<n>  preemption bound
///   WEFT_MODEL_REPLAY=<schedule> run that one schedule, print its whole trace
struct options {
  /// A preemption is a switch away from a thread that could have gone on.
  unsigned preemption_bound = 2;
  /// Fails the exploration (the model is too big) when more executions are needed.
  std::size_t max_executions = 200'000;
  /// Fails one execution (a livelock, or a model too big) past this many scheduling points.
  std::size_t max_steps = 20'000;
  /// A schedule printed by a failure: run only that interleaving.
  std::string replay;
  /// Do not print failures (tests of the explorer that expect one).
  bool quiet = false;
  /// Let WEFT_MODEL_PREEMPTIONS / WEFT_MODEL_REPLAY override the fields above.
  bool from_env = true;
};

/// What an exploration found.
struct result {
  bool ok = true;
  /// Every interleaving within the bound ran (false after a failure or in replay mode).
  bool complete = false;
  std::size_t executions = 0;
  /// The longest execution, in scheduling points.
  std::size_t max_steps = 0;
  /// The first failure: what went wrong.
  std::string failure;
  /// The failing interleaving, for options::replay or WEFT_MODEL_REPLAY.
  std::string schedule;
  /// The last scheduling points of the failing execution, one per line.
  std::string trace;
};

/// Runs `body` as model thread 0 under every interleaving within the bound.
/// *Preconditions*: `body` is deterministic given the interleaving (no clocks, no randomness,
/// no real blocking on std::mutex or condition variables held across a shim operation).
result explore(const std::function<void()>& body, const options& opts = {});

/// A model thread. Only a model thread may start one; it must be joined.
class thread {
public:
  explicit thread(std::function<void()> fn);
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  ~thread();
  /// Waits (in the explorer) until the thread returned.
  void join();

private:
  int id_;
  bool joined_ = false;
};

/// Fails the current execution: records `what`, and never returns (the thread sleeps until
/// the exploration is abandoned). Outside a model thread it prints and aborts.
[[noreturn]] void fail(const std::string& what, const char* file, int line);

/// Yields to the explorer: other threads run first (no preemption counted). For a model's
/// own wait loops that touch no weft atomic.
void yield();

} // namespace weft::model

/// Checks a model invariant inside a model thread (any build, NDEBUG or not).
#define WEFT_MODEL_ASSERT(cond)                                                                    \
  ((cond) ? static_cast<void>(0) : ::weft::model::fail("assertion `" #cond "` failed", __FILE__, __LINE__))
