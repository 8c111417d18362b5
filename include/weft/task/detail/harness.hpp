// weft/task/detail/harness.hpp: harness<Kind>, the part of a spawned task's life that does not
// depend on what it runs: one scheduled poll, completion, cancellation, an output nobody
// reads. Kind is a task_cell<F> (any future) or a spawned_frame<T> (a task<T>'s own frame)
// and provides:
//   static bool poll(task_header*, context&)  polls; true once finished (output or exception
//                                             stored, never thrown)
//   static void cancel(task_header*)          destroys the future (cancellation)
//   static const std::exception_ptr* error(task_header*)   the stored exception, or null
//   static void consume(task_header*)         destroys an output nobody will read
//
// Protocol (see task_state.hpp for the state word):
// - only the current poller (running bit) or, after complete, the single party entitled to
//   the output (the join handle, or the runtime when there is none) touch the future or the
//   output;
// - completion: the output is written, then the completing transition publishes it
//   (release); the join handle reads it after seeing complete (acquire);
// - a cancelled task's future is destroyed by a worker (at its next poll, or by shutdown),
//   never by the aborting thread.
#pragma once

#include <cstdint>
#include <exception>

#include "weft/core/context.hpp"
#include "weft/core/coop.hpp"
#include "weft/detail/chaos.hpp"
#include "weft/task/scheduler_base.hpp"
#include "weft/task/task_header.hpp"
#include "weft/task/task_waker.hpp"
#include "weft/task/unhandled_exception.hpp"

namespace weft::detail {

template <class Kind> struct harness {
  static void run(task_header* t) {
    if (t->state.transition_to_running() == task_state::to_running::cancelled) {
      cancel_and_complete(t, 1);
      return;
    }
    bool done = false;
    {
      coop::budget_scope budget(coop::task_budget());
      borrowed_task_waker w(t);
      context cx(w.get());
      done = Kind::poll(t, cx);
    }
    if (done) {
      complete(t, 1);
      return;
    }
    // Chaos builds: a spurious wake now and then (every future must tolerate extra polls).
    if (chaos_one_in(16)) borrowed_task_waker(t).get().wake_by_ref();
    switch (t->state.transition_to_idle()) {
    case task_state::to_idle::ok:
      return;
    case task_state::to_idle::ok_dealloc:
      t->vtable->dealloc(t);
      return;
    case task_state::to_idle::notified:
      t->scheduler->schedule(t, true);
      return;
    case task_state::to_idle::cancelled:
      cancel_and_complete(t, 1);
      return;
    }
  }

  static void shutdown(task_header* t) { cancel_and_complete(t, 0); }

  static void drop_output(task_header* t) {
    // The handle went away without reading: the exception would be lost otherwise.
    if (const std::exception_ptr* e = Kind::error(t)) unobserved_exception(t, *e);
    Kind::consume(t);
  }

private:
  // `queue_refs`: 1 when called from a scheduled poll (the run-queue entry's reference is
  // dropped too), 0 from shutdown (which holds no queue entry).
  static void cancel_and_complete(task_header* t, std::uint64_t queue_refs) {
    Kind::cancel(t);
    complete(t, queue_refs);
  }

  static void complete(task_header* t, std::uint64_t queue_refs) {
    // The owned-list entry goes first: after the completing transition a join handle may
    // free the task at any moment.
    const std::uint64_t n = queue_refs + t->scheduler->release(t);
    bool free_it = false;
    if (t->state.try_complete_fast(n, free_it)) {
      if (free_it) t->vtable->dealloc(t);
      return;
    }
    const std::uint64_t prev = t->state.transition_to_complete();
    if (!(prev & task_state::join_interest)) {
      if (const std::exception_ptr* e = Kind::error(t)) t->scheduler->unhandled_exception(*e);
      Kind::consume(t);
    } else if (prev & task_state::join_waker) {
      waking_joiner = true;
      t->join_waker.wake_by_ref();
      waking_joiner = false;
    }
    if (n != 0 && t->state.ref_dec(n)) t->vtable->dealloc(t);
  }

  static void unobserved_exception(task_header* t, const std::exception_ptr& e) noexcept {
    // The runtime's hook if the runtime still exists, else the process-wide one. The hook is
    // copied under the registry lock and called after it: a hook may build or drop a runtime,
    // which takes that lock.
    auto hook = scheduler_registry::get().hook_of(t->scheduler);
    if (hook) {
      try {
        hook(e);
        return;
      } catch (...) {
      }
    }
    report_unhandled_exception(e);
  }
};

} // namespace weft::detail
