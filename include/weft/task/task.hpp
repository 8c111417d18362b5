// weft/task/task.hpp: task<T>, weft's coroutine type. A task is lazy; it can `co_await` any
// weft future (leaf futures and other tasks) and is itself a future.
//
// How a chain of tasks runs:
// - every promise points at its root's `task_root` {context, innermost frame, pending leaf};
//   the root is the task that is being polled as a future (or spawned), and its task_root
//   lives in the prefix of the root's frame (detail/frame_prefix.hpp);
// - awaiting a leaf future polls it at once with the root's context; ready → no suspension;
//   pending → the awaiter records itself as the root's pending leaf and the frame suspends;
// - awaiting a child task links it to the same root and makes it the innermost frame; when a
//   frame finishes, its parent becomes the innermost again;
// - the root's poll re-polls the pending leaf (one call, whatever the depth: a wake costs
//   O(1)), then resumes the innermost frame in a loop until a leaf is pending or the root
//   finished. Control always comes back to that loop, so the native stack stays flat at any
//   optimization level, even where the compiler does not turn symmetric transfer into a
//   tail call.
// Cancellation is destruction: destroying a task destroys its frame, which destroys the
// awaited child task or leaf future inside it, innermost first, in a loop.
// Frames come from the frame allocator, with a prefix that makes a spawned task one
// allocation (see spawn in the runtime layer).
#pragma once

#include <coroutine>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/core/poll.hpp"
#include "weft/task/detail/promise.hpp"

namespace weft {

/// A lazy coroutine returning T: `weft::task<int> f() { co_return 42; }`.
///
/// A task runs when it is awaited by another task or polled as a future (by block_on, spawn
/// or a combinator). Exceptions thrown inside it reach whoever awaits or polls it.
///
/// Cancellation: destroying an unfinished task destroys its frame and, with it, whatever it
/// is awaiting.
/// Thread safety: a task is polled by one thread at a time; it may move between threads
/// between polls.
template <class T> class [[nodiscard]] task {
public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  task() noexcept = default;
  task(task&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  task& operator=(task&& o) noexcept {
    if (this != &o) {
      reset();
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  /// Polls the task as a future (it is the root of its chain).
  ///
  /// Preconditions: valid() and the task has not completed.
  /// Errors: an exception escaping the coroutine is rethrown from the poll that finishes it.
  ::weft::poll<T> poll(context& cx) {
    WEFT_ASSERT(handle_ && !handle_.done(), "polled an empty or finished task");
    if (!detail::resume_chain(*handle_.promise().root_, cx)) return pending;
    if constexpr (std::is_void_v<T>) {
      handle_.promise().result();
      return ready();
    } else {
      return ::weft::poll<T>(std::in_place, handle_.promise().result());
    }
  }

  /// True when the task holds a coroutine.
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(handle_); }
  /// True when the coroutine ran to its end.
  [[nodiscard]] bool is_done() const noexcept { return handle_ && handle_.done(); }

  /// Gives up the frame (the spawn path adopts it). Preconditions: valid().
  [[nodiscard]] std::coroutine_handle<promise_type> release() noexcept {
    return std::exchange(handle_, nullptr);
  }

private:
  friend class detail::task_promise<T>;
  friend class detail::task_awaiter<T>;

  explicit task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}

  void reset() noexcept {
    if (!handle_) return;
    auto h = std::exchange(handle_, nullptr);
    if (h.address() == detail::destroyed_child) return;  // a chain destruction got it first
    detail::destroy_chain(h, h.promise());
  }

  std::coroutine_handle<promise_type> handle_;
};

namespace detail {
template <class T> task<T> task_promise<T>::get_return_object() noexcept {
  auto h = std::coroutine_handle<task_promise>::from_promise(*this);
  become_root(h, prefix_of(h));
  return task<T>(h);
}
template <class T> task<T&> task_promise<T&>::get_return_object() noexcept {
  auto h = std::coroutine_handle<task_promise>::from_promise(*this);
  become_root(h, prefix_of(h));
  return task<T&>(h);
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  auto h = std::coroutine_handle<task_promise>::from_promise(*this);
  become_root(h, prefix_of(h));
  return task<void>(h);
}
} // namespace detail

} // namespace weft
