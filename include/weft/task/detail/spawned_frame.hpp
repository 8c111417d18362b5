// weft/task/detail/spawned_frame.hpp: spawned_frame<T>, a task<T> spawned in its own frame:
// the header is constructed in the frame's prefix (frame_prefix.hpp), the chain state there
// too. One allocation per spawned task. Its life is the harness's (harness.hpp).
//
// When the task finishes, its frame is destroyed at once, like a Rust future dropped on
// completion: the coroutine's parameters (a channel sender, a socket, a lock guard moved in)
// are released when the task ends, not when somebody reads the output. The output is moved
// into the dead frame's bytes first ("parked"), where the join handle finds it; a frame is
// always at least as large as its promise, which holds room for the output, so it fits.
// (An output type whose move may throw stays in the promise, and the frame lives until the
// output is read.)
//
// Protocol (in addition to the harness's): `header.frame_alive` says whether the coroutine
// frame still exists, `header.output_parked` whether a join_result<T> sits in its dead bytes
// (both written by the poller before the completing transition publishes them).
// Cancellation and an output nobody reads destroy the frame (its chain, innermost first) with
// the prefix kept; dealloc destroys what is left and frees the block.
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
    if (!resume_chain(frame_prefix::of_header(t)->root, cx)) return false;
    if constexpr (parks_output) park_output(t);
    return true;
  }
  static void cancel(task_header* t) noexcept { destroy_frame(t); }
  static const std::exception_ptr* error(task_header* t) noexcept {
    if (t->output_parked) return parked(t)->exception_if();
    return t->frame_alive ? handle(t).promise().error() : nullptr;
  }
  static void consume(task_header* t) noexcept {
    drop_parked(t);
    destroy_frame(t);
  }

private:
  using result_t = join_result<T>;
  /// Where a parked output lives: after the dead frame's size record (frame_prefix.hpp).
  static constexpr std::size_t parked_offset = 16;
  /// The output can move out of the promise without throwing, and fits in the dead frame:
  /// a frame holds the coroutine's resume and destroy pointers (16 bytes) before its promise.
  static constexpr bool parks_output =
      (std::is_void_v<T> || std::is_reference_v<T> || std::is_nothrow_move_constructible_v<T>) &&
      sizeof(result_t) <= sizeof(promise_t) && alignof(result_t) <= parked_offset;

  static result_t* parked(task_header* t) noexcept {
    // Safety: only while output_parked, when park_output constructed a result_t there.
    return std::launder(reinterpret_cast<result_t*>(
        static_cast<char*>(frame_prefix::of_header(t)->frame()) + parked_offset));
  }

  static result_t take_output(promise_t& pr) noexcept {
    if (const std::exception_ptr* e = pr.error()) return result_t(*e);
    if constexpr (std::is_void_v<T>) {
      return result_t(std::in_place);
    } else if constexpr (std::is_reference_v<T>) {
      return result_t(std::in_place, std::ref(pr.take_value()));
    } else {
      return result_t(std::in_place, pr.take_value());
    }
  }

  /// The task finished: move its output out, destroy the frame (releasing everything the
  /// coroutine held), and construct the output in the dead frame's bytes.
  static void park_output(task_header* t) noexcept {
    result_t out = take_output(handle(t).promise());
    destroy_frame(t);
    // Safety: the frame is dead and its block kept (destroy_frame); bytes [16, 16 + sizeof
    // (result_t)) lie inside it (parks_output), past the size record at its start.
    ::new (static_cast<void*>(static_cast<char*>(frame_prefix::of_header(t)->frame()) +
                              parked_offset)) result_t(std::move(out));
    t->output_parked = true;
  }

  static void drop_parked(task_header* t) noexcept {
    if (!t->output_parked) return;
    t->output_parked = false;
    parked(t)->~result_t();
  }

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
    drop_parked(t);
    destroy_frame(t);
    frame_prefix* p = frame_prefix::of_header(t);
    t->~task_header();
    frame_prefix::free_kept(p);
  }

  static void read_output(task_header* t, void* dst) {
    auto* out = static_cast<join_result<T>*>(dst);
    if (t->output_parked) {
      *out = std::move(*parked(t));
      drop_parked(t);
      return;
    }
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
