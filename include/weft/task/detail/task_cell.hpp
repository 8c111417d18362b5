// weft/task/detail/task_cell.hpp: task_cell<F>, the single allocation behind a spawned future
// that is not a task<T> (a task<T> is spawned in its own frame, spawned_frame.hpp): the header,
// then the future or its output. Its life is the harness's (harness.hpp).
//
// Protocol: `stage_` holds the future while the task runs and the output (or exception, or
// cancelled) after; who may touch it, and when, is the harness's protocol.
#pragma once

#include <cstddef>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/core/future.hpp"
#include "weft/detail/frame_allocator.hpp"
#include "weft/task/detail/harness.hpp"
#include "weft/task/join_result.hpp"
#include "weft/task/task_header.hpp"

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
  template <class G> static task_header* create(G&& f, scheduler_base* s, std::uint64_t refs) {
    auto* c = new task_cell(std::forward<G>(f), s, refs);
    return &c->header_;
  }

  // ---- the harness's Kind interface ---------------------------------------------------------

  static bool poll(task_header* t, context& cx) {
    task_cell* c = self(t);
    try {
      auto p = std::get<st_future>(c->stage_).poll(cx);
      if (p.is_pending()) return false;
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
    } catch (...) {
      c->stage_.template emplace<st_error>(std::current_exception());
    }
    return true;
  }
  static void cancel(task_header* t) { self(t)->stage_.template emplace<st_cancelled>(); }
  static const std::exception_ptr* error(task_header* t) noexcept {
    return std::get_if<st_error>(&self(t)->stage_);
  }
  static void consume(task_header* t) { self(t)->stage_.template emplace<st_consumed>(); }

private:
  template <class G>
  task_cell(G&& f, scheduler_base* s, std::uint64_t refs)
      : header_(refs, &vtable, s), stage_(std::in_place_index<st_future>, std::forward<G>(f)) {}

  static task_cell* self(task_header* t) noexcept {
    // Safety: header_ is the first member, at offset 0 (no base classes, no virtuals), and
    // every task_header with this vtable was created as the header_ of a task_cell<F>.
    return reinterpret_cast<task_cell*>(t);
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

  using life = harness<task_cell>;
  static constexpr task_vtable vtable{&life::run, &dealloc, &read_output, &life::drop_output,
                                      &life::shutdown};

  task_header header_;
  std::variant<F, slot_t, std::exception_ptr, std::monostate, std::monostate> stage_;
};

} // namespace weft::detail
