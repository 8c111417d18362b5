// weft/runtime/spawn.hpp: the free functions that act on the current runtime: spawn,
// spawn_local, spawn_on, spawn_blocking; and weft::block_on on the default runtime.
#pragma once

#include <utility>

#include "weft/runtime/runtime.hpp"

namespace weft {

/// Spawns `f` onto the calling thread's runtime. Errors: spawn_error outside a runtime or
/// during shutdown.
template <future F> join_handle<future_output_t<F>> spawn(F f) {
  auto* c = detail::current_binding;
  if (c == nullptr || c->sched == nullptr)
    WEFT_THROW(spawn_error("weft: spawn outside a runtime (use runtime::block_on or a handle)"));
  return c->sched->spawn(std::move(f));  // no handle: spawning takes no reference count
}

/// Spawns `f` onto the calling worker; it is never stolen or moved.
/// Preconditions: called on a worker thread.
template <future F> join_handle<future_output_t<F>> spawn_local(F f) {
  auto* c = detail::current_binding;
  if (c == nullptr || c->w == nullptr)
    WEFT_THROW(spawn_error("weft: spawn_local needs to run on a runtime worker"));
  return c->sched->spawn(std::move(f), static_cast<int>(c->w->index));
}

/// Spawns `f` pinned to worker `worker` of the current runtime (thread-per-core hand-off).
template <future F> join_handle<future_output_t<F>> spawn_on(std::size_t worker, F f) {
  return handle::current().spawn_on(worker, std::move(f));
}

/// Runs `fn()` on the current runtime's blocking pool.
template <class Fn> auto spawn_blocking(Fn fn) {
  return handle::current().spawn_blocking(std::move(fn));
}

namespace detail {
/// The process-wide default runtime: one worker per core, built on first use.
inline runtime& default_runtime() {
  static runtime rt;
  return rt;
}
} // namespace detail

/// Runs `f` to completion on the calling thread, inside the default runtime (one worker per
/// core), so it may spawn. Inside a runtime use that runtime's handle instead.
template <future F> future_output_t<F> block_on(F f) {
  return detail::default_runtime().block_on(std::move(f));
}

} // namespace weft
