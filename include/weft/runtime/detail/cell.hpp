// weft/runtime/detail/cell.hpp: task_cell<F>, the single allocation behind a spawned task
// (header, then the future or its output), and the harness that polls it.
//
// Protocol (see state.hpp for the state word):
// - `stage_` holds the future while the task runs and the output (or exception, or
//   cancelled) after; only the current poller (running bit) or, after complete, the single
//   party entitled to the output (the join handle, or the runtime when there is none) touch
//   it;
// - completion: the output is written, then transition_to_complete (release) publishes it;
//   the join handle reads it after seeing complete (acquire);
// - a cancelled task's future is destroyed by a worker (at its next poll, or by shutdown),
//   never by the aborting thread.
#pragma once

#include <cstddef>
#include <algorithm>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/detail/frame_allocator.hpp"
#include "weft/runtime/detail/context.hpp"
#include "weft/runtime/detail/header.hpp"
#include "weft/runtime/join_result.hpp"

namespace weft::detail {

template <future F> class task_cell {
  using T = future_output_t<F>;
  using slot_t = output_slot_t<T>;
  enum : std::size_t { st_future, st_output, st_error, st_cancelled, st_consumed };

public:
  static void* operator new(std::size_t n) { return frame_allocator::allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept {
    frame_allocator::deallocate(p, n);
  }
  // Over-aligned futures (e.g. alignas(64) state) get cells with their alignment.
  static void* operator new(std::size_t n, std::align_val_t al) {
    return frame_allocator::allocate(n, al);
  }
  static void operator delete(void* p, std::size_t n, std::align_val_t al) noexcept {
    frame_allocator::deallocate(p, n, al);
  }

  /// Allocates a cell holding `f`, with `refs` references.
  template <class G>
  static task_header* create(G&& f, scheduler_base* s, std::uint64_t refs) {
    auto* c = new task_cell(std::forward<G>(f), s, refs);
    return &c->header_;
  }

private:
  template <class G>
  task_cell(G&& f, scheduler_base* s, std::uint64_t refs)
      : header_(refs, &vtable, s), stage_(std::in_place_index<st_future>, std::forward<G>(f)) {}

  static task_cell* self(task_header* t) noexcept {
    // Safety: header_ is the first member, at offset 0 (no base classes, no virtuals), and
    // every task_header with this vtable was created as the header_ of a task_cell<F>.
    return reinterpret_cast<task_cell*>(t);
  }

  // The harness: one scheduled poll.
  static void run(task_header* t) {
    task_cell* c = self(t);
    if (t->state.transition_to_running() == task_state::to_running::cancelled) {
      c->cancel_and_complete(1);
      return;
    }
    bool done = false;
    {
      coop::budget_scope budget;
      borrowed_task_waker w(t);
      context cx(w.get());
      try {
        auto p = std::get<st_future>(c->stage_).poll(cx);
        if (p.is_ready()) {
          done = true;
          if constexpr (std::is_void_v<T>) {
            c->stage_.template emplace<st_output>();
          } else if constexpr (std::is_reference_v<T>) {
            T ref = p.take();
            c->stage_.template emplace<st_output>(ref);
          } else {
            // The output is moved out of the poll before the future is destroyed.
            T out = p.take();
            c->stage_.template emplace<st_output>(std::move(out));
          }
        }
      } catch (...) {
        done = true;
        c->stage_.template emplace<st_error>(std::current_exception());
      }
    }
    if (done) {
      c->complete(1);
      return;
    }
    switch (t->state.transition_to_idle()) {
    case task_state::to_idle::ok:
      return;
    case task_state::to_idle::ok_dealloc:
      dealloc(t);
      return;
    case task_state::to_idle::notified:
      t->scheduler->schedule(t, true);
      return;
    case task_state::to_idle::cancelled:
      c->cancel_and_complete(1);
      return;
    }
  }

  // `queue_refs`: 1 when called from a scheduled poll (the run-queue entry's reference is
  // dropped too), 0 from shutdown (which holds no queue entry).
  void cancel_and_complete(std::uint64_t queue_refs) {
    stage_.template emplace<st_cancelled>();  // destroys the future: cancellation
    complete(queue_refs);
  }

  void complete(std::uint64_t queue_refs) {
    // The owned-list entry goes first: after the completing transition a join handle may
    // free the task at any moment.
    const std::uint64_t owned_refs = header_.scheduler->release(&header_);
    const std::uint64_t n = queue_refs + owned_refs;
    bool free_it = false;
    if (header_.state.try_complete_fast(n, free_it)) {
      if (free_it) dealloc(&header_);
      return;
    }
    const std::uint64_t prev = header_.state.transition_to_complete();
    if (!(prev & task_state::join_interest)) {
      if (stage_.index() == st_error)
        header_.scheduler->unhandled_exception(std::get<st_error>(stage_));
      stage_.template emplace<st_consumed>();
    } else if (prev & task_state::join_waker) {
      waking_joiner = true;
      header_.join_waker->wake_by_ref();
      waking_joiner = false;
    }
    if (n != 0 && header_.state.ref_dec(n)) dealloc(&header_);
  }

  static void dealloc(task_header* t) noexcept { delete self(t); }

  static void read_output(task_header* t, void* dst) {
    task_cell* c = self(t);
    auto* out = static_cast<join_result<T>*>(dst);
    switch (c->stage_.index()) {
    case st_output:
      if constexpr (std::is_void_v<T>) {
        *out = join_result<T>(std::in_place);
      } else {
        *out = join_result<T>(std::in_place, std::move(std::get<st_output>(c->stage_)));
      }
      break;
    case st_error:
      *out = join_result<T>(std::get<st_error>(c->stage_));
      break;
    default:
      *out = join_result<T>(cancelled);
      break;
    }
    c->stage_.template emplace<st_consumed>();
  }

  static void drop_output(task_header* t) {
    task_cell* c = self(t);
    if (c->stage_.index() == st_error) {
      // The handle went away without reading: the exception would be lost otherwise.
      unobserved_exception(t, std::get<st_error>(c->stage_));
    }
    c->stage_.template emplace<st_consumed>();
  }

  static void shutdown(task_header* t) { self(t)->cancel_and_complete(0); }

  static void unobserved_exception(task_header* t, const std::exception_ptr& e) noexcept;

  static constexpr task_vtable vtable{&run, &dealloc, &read_output, &drop_output, &shutdown};

  task_header header_;
  std::variant<F, slot_t, std::exception_ptr, std::monostate, std::monostate> stage_;
};

} // namespace weft::detail

#include "weft/runtime/detail/unhandled.hpp"

template <weft::future F>
void weft::detail::task_cell<F>::unobserved_exception(task_header* t,
                                                      const std::exception_ptr& e) noexcept {
  // The runtime's hook if the runtime still exists, else the process-wide one. The hook is
  // copied under the registry lock and called after it: a hook may build or drop a runtime,
  // which takes that lock.
  std::function<void(std::exception_ptr)> hook;
  {
    auto& reg = scheduler_registry::get();
    std::lock_guard lock(reg.mu);
    if (std::find(reg.live.begin(), reg.live.end(), t->scheduler) != reg.live.end())
      hook = t->scheduler->exception_hook();
  }
  if (hook) {
    try {
      hook(e);
      return;
    } catch (...) {
    }
  }
  weft::detail::report_unhandled_exception(e);
}
