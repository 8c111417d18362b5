// weft/task/task.hpp: task<T>, weft's coroutine type. A task is lazy; it can `co_await` any
// weft future (leaf futures and other tasks) and is itself a future.
//
// How a chain of tasks runs (see docs/design.md, "the trampoline"):
// - every promise points at its root's `task_root` {context, innermost frame, pending leaf};
//   the root is the task that is being polled as a future;
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
// awaited child task or leaf future inside it, top-down.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/core/poll.hpp"
#include "weft/detail/frame_allocator.hpp"

namespace weft {

template <class T = void> class task;

namespace detail {

/// A type-erased pending leaf: `poll(self, cx)` returns true once the leaf is ready (its
/// output, or an exception, then sits in the awaiter).
struct leaf_slot {
  void* self = nullptr;
  bool (*poll)(void* self, context& cx) = nullptr;
};

class promise_base;

/// The state shared by every frame of one chain, owned by the root frame's promise.
struct task_root {
  context* cx = nullptr;
  std::coroutine_handle<> innermost;
  promise_base* innermost_promise = nullptr;  // the promise of `innermost`
  leaf_slot leaf;
};

template <class T> struct is_task : std::false_type {};
template <class T> struct is_task<task<T>> : std::true_type {};

template <class> inline constexpr bool always_false = false;

/// Awaiter for a leaf future: polls it with the root's context.
template <class F> class future_awaiter {
  using T = future_output_t<F>;

public:
  explicit future_awaiter(F& f) noexcept : future_(f) {}

  bool await_ready() const noexcept { return false; }

  template <class P> bool await_suspend(std::coroutine_handle<P> h) {
    task_root* root = h.promise().root_;
    if (poll_once(*root->cx)) return false;  // ready at once: no suspension
    root->leaf = leaf_slot{this, &poll_thunk};
    return true;
  }

  T await_resume() {
    if (exception_) std::rethrow_exception(std::move(exception_));
    if constexpr (std::is_void_v<T>) {
      return;
    } else if constexpr (std::is_reference_v<T>) {
      return static_cast<T>(*output_);
    } else {
      return std::move(*output_);
    }
  }

private:
  bool poll_once(context& cx) {
    auto p = future_.poll(cx);
    if (p.is_pending()) return false;
    if constexpr (std::is_void_v<T>) {
      output_ = true;
    } else if constexpr (std::is_reference_v<T>) {
      output_ = &p.take();
    } else {
      output_.emplace(p.take());
    }
    return true;
  }

  // Called from the root's poll: an exception is carried into the awaiting frame.
  static bool poll_thunk(void* self, context& cx) noexcept {
    auto* a = static_cast<future_awaiter*>(self);
    try {
      return a->poll_once(cx);
    } catch (...) {
      a->exception_ = std::current_exception();
      return true;
    }
  }

  using slot_t = std::conditional_t<
      std::is_void_v<T>, bool,
      std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, std::optional<T>>>;

  F& future_;
  slot_t output_{};
  std::exception_ptr exception_;
};

/// Awaiter for a child task: links the child to the awaiting chain's root.
template <class U> class task_awaiter;

class promise_base {
public:
  static void* operator new(std::size_t n) { return frame_allocator::allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept {
    frame_allocator::deallocate(p, n);
  }

  std::suspend_always initial_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class P> void await_suspend(std::coroutine_handle<P> h) noexcept {
      promise_base& p = h.promise();
      // Null for the root: the trampoline in task::poll stops.
      p.root_->innermost = p.parent_;
      p.root_->innermost_promise = p.parent_promise_;
    }
    void await_resume() const noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }

  template <class A> auto await_transform(A&& a) {
    using D = std::remove_cvref_t<A>;
    if constexpr (is_task<D>::value) {
      return task_awaiter<typename D::value_type>(a);
    } else if constexpr (future<std::remove_reference_t<A>>) {
      return future_awaiter<std::remove_reference_t<A>>(a);
    } else {
      static_assert(always_false<A>,
                    "co_await inside weft::task takes a weft future (poll(context&)) or task");
    }
  }

  task_root* root_ = nullptr;
  std::coroutine_handle<> parent_;
  promise_base* parent_promise_ = nullptr;
  // While awaited: the task object (in the parent frame) that owns this frame, and how to
  // make it forget the frame, so a chain can be destroyed innermost-first in a loop.
  void* owner_ = nullptr;
  void (*disown_)(void* owner) noexcept = nullptr;
  std::exception_ptr exception_;
  task_root own_root_;
};

template <class T> class task_promise final : public promise_base {
public:
  task<T> get_return_object() noexcept;

  template <class U>
    requires std::is_constructible_v<T, U&&>
  void return_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }

  T result() {
    if (exception_) std::rethrow_exception(exception_);
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
};

template <class T> class task_promise<T&> final : public promise_base {
public:
  task<T&> get_return_object() noexcept;
  void return_value(T& v) noexcept { value_ = &v; }
  T& result() {
    if (exception_) std::rethrow_exception(exception_);
    return *value_;
  }

private:
  T* value_ = nullptr;
};

template <> class task_promise<void> final : public promise_base {
public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void result() {
    if (exception_) std::rethrow_exception(exception_);
  }
};

template <class U> class task_awaiter {
public:
  explicit task_awaiter(task<U>& owner) noexcept : owner_(&owner), child_(owner.handle_) {
    WEFT_ASSERT(child_ && !child_.done(), "awaited an empty or finished task");
  }
  bool await_ready() const noexcept { return false; }
  template <class P> void await_suspend(std::coroutine_handle<P> h) noexcept {
    promise_base& parent = h.promise();
    task_promise<U>& cp = child_.promise();
    cp.root_ = parent.root_;
    cp.parent_ = h;
    cp.parent_promise_ = &parent;
    cp.owner_ = owner_;
    cp.disown_ = &task<U>::disown;
    parent.root_->innermost = child_;  // the trampoline resumes the child next
    parent.root_->innermost_promise = &cp;
  }
  U await_resume() { return child_.promise().result(); }

private:
  task<U>* owner_;
  std::coroutine_handle<task_promise<U>> child_;
};

} // namespace detail

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

  /// Polls the task as a future (it becomes the root of its chain).
  ///
  /// Preconditions: valid() and the task has not completed.
  /// Errors: an exception escaping the coroutine is rethrown from the poll that finishes it.
  ::weft::poll<T> poll(context& cx) {
    WEFT_ASSERT(handle_ && !handle_.done(), "polled an empty or finished task");
    detail::task_root& r = handle_.promise().own_root_;
    r.cx = &cx;
    if (r.leaf.self != nullptr) {
      if (!r.leaf.poll(r.leaf.self, cx)) return pending;
      r.leaf = {};
    }
    do {
      r.innermost.resume();
    } while (r.leaf.self == nullptr && r.innermost);
    if (r.leaf.self != nullptr) return pending;
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

private:
  friend class detail::promise_base;
  friend class detail::task_promise<T>;
  friend class detail::task_awaiter<T>;

  explicit task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  static void disown(void* self) noexcept { static_cast<task*>(self)->handle_ = nullptr; }

  // A root suspended inside a chain is destroyed innermost frame first, each frame detached
  // from the task object that owns it in its parent, so destruction is a loop, not a
  // recursion as deep as the chain; the order is the one nested destruction would give.
  void reset() noexcept {
    if (!handle_) return;
    auto h = std::exchange(handle_, nullptr);
    detail::promise_base& self = h.promise();
    if (self.root_ == &self.own_root_) {
      std::coroutine_handle<> frame = self.own_root_.innermost;
      detail::promise_base* p = self.own_root_.innermost_promise;
      while (p != nullptr && p != &self) {
        std::coroutine_handle<> up = p->parent_;
        detail::promise_base* up_p = p->parent_promise_;
        p->disown_(p->owner_);
        frame.destroy();
        frame = up;
        p = up_p;
      }
    }
    h.destroy();
  }

  std::coroutine_handle<promise_type> handle_;
};

namespace detail {
template <class T> task<T> task_promise<T>::get_return_object() noexcept {
  auto h = std::coroutine_handle<task_promise>::from_promise(*this);
  root_ = &own_root_;
  own_root_.innermost = h;
  own_root_.innermost_promise = this;
  return task<T>(h);
}
template <class T> task<T&> task_promise<T&>::get_return_object() noexcept {
  auto h = std::coroutine_handle<task_promise>::from_promise(*this);
  root_ = &own_root_;
  own_root_.innermost = h;
  own_root_.innermost_promise = this;
  return task<T&>(h);
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  auto h = std::coroutine_handle<task_promise>::from_promise(*this);
  root_ = &own_root_;
  own_root_.innermost = h;
  own_root_.innermost_promise = this;
  return task<void>(h);
}
} // namespace detail

} // namespace weft
