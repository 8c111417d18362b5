// weft/task/detail/spawned_frame.hpp: spawned_frame<T>, a task<T> spawned in its own frame:
// the header is constructed in the frame's prefix (frame_prefix.hpp), the chain state there
// too, and the output stays in the promise until the join handle reads it. One allocation per
// spawned task. Its life is the harness's (harness.hpp).
//
// Protocol (in addition to the harness's): `header.frame_alive` says whether the coroutine
// frame still exists. Cancellation and an output nobody reads destroy the frame (its chain,
// innermost first) with the prefix kept; dealloc destroys what is left and frees the block.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/task/detail/frame_prefix.hpp"
#include "weft/task/detail/harness.hpp"
#include "weft/task/detail/promise.hpp"
#include "weft/task/join_result.hpp"
#include "weft/task/task.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

template <class T> struct spawned_frame {
  using promise_t = task_promise<T>;
  using handle_t = std::coroutine_handle<promise_t>;

  /// Adopts `t`'s frame as a spawned task with `refs` references. Preconditions: `t` holds
  /// a coroutine that has not started.
  static task_header* create(task<T> t, scheduler_base* s, std::uint64_t refs) noexcept {
    handle_t h = t.release();
    WEFT_ASSERT(h && !h.done(), "spawned an empty or finished task");
    frame_prefix* p = frame_prefix::of_frame(h.address());
    // Safety: the storage is the prefix's, sized and aligned for a task_header, unused until
    // now; dealloc destroys it.
    return ::new (static_cast<void*>(p->header_storage)) task_header(refs, &vtable, s);
  }

  // ---- the harness's Kind interface ---------------------------------------------------------

  static bool poll(task_header* t, context& cx) {
    // A frame never throws out of resume (unhandled_exception keeps it), and a leaf's
    // exception is carried into the frame that awaited it.
    return resume_chain(frame_prefix::of_header(t)->root, cx);
  }
  static void cancel(task_header* t) noexcept { destroy_frame(t); }
  static const std::exception_ptr* error(task_header* t) noexcept {
    return t->frame_alive ? handle(t).promise().error() : nullptr;
  }
  static void consume(task_header* t) noexcept { destroy_frame(t); }

private:
  static handle_t handle(task_header* t) noexcept {
    return handle_t::from_address(frame_prefix::of_header(t)->frame());
  }

  static void destroy_frame(task_header* t) noexcept {
    if (!t->frame_alive) return;
    t->frame_alive = false;
    handle_t h = handle(t);
    keep_frame_scope keep(h.address());
    destroy_chain(h, h.promise());
  }

  static void dealloc(task_header* t) noexcept {
    destroy_frame(t);
    frame_prefix* p = frame_prefix::of_header(t);
    t->~task_header();
    frame_prefix::free_kept(p);
  }

  static void read_output(task_header* t, void* dst) {
    auto* out = static_cast<join_result<T>*>(dst);
    if (!t->frame_alive) {
      *out = join_result<T>(cancelled);
      return;
    }
    promise_t& pr = handle(t).promise();
    if (const std::exception_ptr* e = pr.error()) {
      *out = join_result<T>(*e);
    } else if constexpr (std::is_void_v<T>) {
      *out = join_result<T>(std::in_place);
    } else if constexpr (std::is_reference_v<T>) {
      *out = join_result<T>(std::in_place, std::ref(pr.take_value()));
    } else {
      *out = join_result<T>(std::in_place, pr.take_value());
    }
    destroy_frame(t);  // the output is out: release the frame's resources now
  }

  using life = harness<spawned_frame>;
  static constexpr task_vtable vtable{&life::run, &dealloc, &read_output, &life::drop_output,
                                      &life::shutdown};
};

} // namespace weft::detail
