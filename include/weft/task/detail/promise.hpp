// weft/task/detail/promise.hpp: the promise types of task<T> and the awaiters a task uses:
// future_awaiter (a leaf future, polled with the root's context) and task_awaiter (a child
// task, linked into the same chain). See task.hpp for how a chain runs.
//
// Every frame: `root_` (the chain's state, in the root frame's prefix), its parent (handle and
// promise; null for a root) and the exception that escaped it. The chain state itself lives
// in the frame prefix (frame_prefix.hpp), used only while the frame is a root.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/core/poll.hpp"
#include "weft/task/detail/frame_prefix.hpp"

namespace weft {
template <class T> class task;
}

namespace weft::detail {

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

template <class U> class task_awaiter;

class promise_base {
public:
  static void* operator new(std::size_t n) { return frame_prefix::allocate_frame(n); }
  static void operator delete(void* p, std::size_t n) noexcept {
    frame_prefix::deallocate_frame(p, n);
  }

  std::suspend_always initial_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class P> void await_suspend(std::coroutine_handle<P> h) noexcept {
      promise_base& p = h.promise();
      // Null for the root: the trampoline stops.
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

  /// This frame's prefix (its chain state while it is a root; its header once spawned).
  template <class P> static frame_prefix* prefix_of(std::coroutine_handle<P> h) noexcept {
    return frame_prefix::of_frame(h.address());
  }

  /// Makes the frame of `h` (whose promise this is) the root of its own chain.
  void become_root(std::coroutine_handle<> h, frame_prefix* prefix) noexcept {
    root_ = &prefix->root;
    root_->innermost = h;
    root_->innermost_promise = this;
  }

  /// The error that escaped the coroutine, or null.
  [[nodiscard]] const std::exception_ptr* error() const noexcept {
    return exception_ ? &exception_ : nullptr;
  }

  task_root* root_ = nullptr;
  std::coroutine_handle<> parent_;
  promise_base* parent_promise_ = nullptr;
  std::exception_ptr exception_;
};

/// Resumes the chain rooted at `r` for one poll with `cx`: re-polls the pending leaf (one
/// call, whatever the depth), then resumes the innermost frame in a loop until a leaf is
/// pending or the root finished. Returns true when the root finished.
inline bool resume_chain(task_root& r, context& cx) {
  r.cx = &cx;
  if (r.leaf.self != nullptr) {
    if (!r.leaf.poll(r.leaf.self, cx)) return false;
    r.leaf = {};
  }
  do {
    r.innermost.resume();
  } while (r.leaf.self == nullptr && r.innermost);
  return r.leaf.self == nullptr;
}

/// The child frame a chain destruction already destroyed: the task object in its parent that
/// still names it must forget it instead of destroying it again.
inline thread_local constinit void* destroyed_child = nullptr;

/// Destroys the root frame `h` and, when it is suspended inside a chain, every frame of the
/// chain, innermost first (the order nested destruction would give), in a loop, so the depth
/// of the chain costs no stack.
inline void destroy_chain(std::coroutine_handle<> h, promise_base& self) noexcept {
  void* const saved = destroyed_child;
  const bool is_root = self.root_ == &frame_prefix::of_frame(h.address())->root;
  if (is_root && self.root_->innermost_promise != nullptr &&
      self.root_->innermost_promise != &self) {
    std::coroutine_handle<> frame = self.root_->innermost;
    promise_base* p = self.root_->innermost_promise;
    while (p != nullptr && p != &self) {
      std::coroutine_handle<> up = p->parent_;
      promise_base* up_p = p->parent_promise_;
      frame.destroy();
      destroyed_child = frame.address();  // the task object in `up` that owned it
      frame = up;
      p = up_p;
    }
  }
  h.destroy();
  destroyed_child = saved;
}

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
  /// Preconditions: finished without an exception.
  T take_value() { return std::move(*value_); }

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
  T& take_value() noexcept { return *value_; }

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
  void take_value() noexcept {}
};

template <class U> class task_awaiter {
public:
  explicit task_awaiter(task<U>& owner) noexcept : child_(owner.handle_) {
    WEFT_ASSERT(child_ && !child_.done(), "awaited an empty or finished task");
  }
  bool await_ready() const noexcept { return false; }
  template <class P> void await_suspend(std::coroutine_handle<P> h) noexcept {
    promise_base& parent = h.promise();
    task_promise<U>& cp = child_.promise();
    cp.root_ = parent.root_;
    cp.parent_ = h;
    cp.parent_promise_ = &parent;
    parent.root_->innermost = child_;  // the trampoline resumes the child next
    parent.root_->innermost_promise = &cp;
  }
  U await_resume() { return child_.promise().result(); }

private:
  std::coroutine_handle<task_promise<U>> child_;
};

} // namespace weft::detail
