// weft/stream/async_generator.hpp: async_generator<T>, a coroutine that `co_yield`s values
// and `co_await`s any weft future (a leaf, a task, `next(other_stream)`) between them. It is
// a stream: each poll_next resumes the frame until it yields (ready item), awaits a future
// that is pending (pending), or returns (end of stream).
//
// How a poll runs: poll_next stores its context in the promise; if the frame is suspended on
// an awaited future, that future is re-polled first (pending → pending again, the frame is
// not resumed); then the frame is resumed once. A yielded value is moved out of the promise
// into the poll's answer.
// Not here: the awaiter (detail/generator_awaiter.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/config.hpp"
#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/detail/frame_allocator.hpp"
#include "weft/stream/async_stream.hpp"
#include "weft/stream/detail/generator_awaiter.hpp"

namespace weft::stream {

template <class T> class async_generator;

namespace detail {

template <class> inline constexpr bool generator_always_false = false;

template <class T> class generator_promise {
public:
  static void* operator new(std::size_t n) { return weft::detail::frame_allocator::allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept {
    weft::detail::frame_allocator::deallocate(p, n);
  }

  async_generator<T> get_return_object() noexcept;
  std::suspend_always initial_suspend() noexcept { return {}; }
  std::suspend_always final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }
  void return_void() noexcept {}

  template <class U = T>
    requires std::is_constructible_v<T, U&&>
  std::suspend_always yield_value(U&& v) {
    value_.emplace(std::forward<U>(v));
    return {};
  }

  template <class A> auto await_transform(A&& a) {
    if constexpr (future<std::remove_reference_t<A>>) {
      return generator_awaiter<std::remove_reference_t<A>>(a, state_);
    } else {
      static_assert(generator_always_false<A>,
                    "co_await inside async_generator takes a weft future (poll(context&))");
    }
  }

  generator_state state_;
  std::optional<T> value_;
  std::exception_ptr exception_;
};

} // namespace detail

/// A lazy coroutine stream of T: `async_generator<int> g() { co_yield 1; co_await f; ... }`.
///
/// Nothing runs before the first poll_next. Each item is moved out to the consumer.
/// Errors: an exception escaping the coroutine (or thrown by a future it awaits and not
/// caught there) is rethrown from the poll_next that reaches it; the stream has ended then.
/// Cancellation: destroying the generator destroys its frame at the point it is suspended:
/// its locals and the future it awaits are destroyed (innermost first), exactly as if the
/// frame had been unwound there. `next(g)` is cancel-safe: an item leaves the frame only in
/// the poll that returns it, and a dropped `next` leaves the awaited future in the frame.
/// Thread safety: polled by one thread at a time; it may move between threads between polls.
/// A yield spends one unit of the cooperative budget, so a generator that only yields still
/// lets its task's neighbours run.
template <class T> class [[nodiscard]] async_generator {
  static_assert(!std::is_reference_v<T> && !std::is_void_v<T>,
                "async_generator yields values (move them out), not references or void");

public:
  using promise_type = detail::generator_promise<T>;
  using item_type = T;

  async_generator() noexcept = default;
  async_generator(async_generator&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  async_generator& operator=(async_generator&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  async_generator(const async_generator&) = delete;
  async_generator& operator=(const async_generator&) = delete;
  ~async_generator() { reset(); }

  /// The next item, pending, or std::nullopt once the coroutine returned (also on every
  /// later poll, and for an empty generator).
  poll_item<T> poll_next(context& cx) {
    if (!h_ || h_.done()) return detail::end<T>();
    promise_type& p = h_.promise();
    p.state_.cx = &cx;
    if (p.state_.leaf.self != nullptr) {
      if (!p.state_.leaf.poll(p.state_.leaf.self, cx)) return pending;
      p.state_.leaf = {};
    } else if (!coop::poll_proceed(cx)) {
      return pending;  // budget spent: poll_proceed woke us
    }
    h_.resume();
    if (p.value_.has_value()) {
      poll_item<T> out = detail::item<T>(std::move(*p.value_));
      p.value_.reset();
      return out;
    }
    if (p.state_.leaf.self != nullptr) return pending;
    WEFT_ASSERT(h_.done(), "async_generator suspended without a yield or a pending await");
    if (p.exception_) std::rethrow_exception(std::exchange(p.exception_, nullptr));
    return detail::end<T>();
  }

  /// True when it holds a coroutine.
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(h_); }
  /// True once the coroutine returned (or threw).
  [[nodiscard]] bool is_done() const noexcept { return !h_ || h_.done(); }

private:
  friend class detail::generator_promise<T>;
  explicit async_generator(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}

  void reset() noexcept {
    // Safety: the frame is suspended (never running: we are not inside poll_next), so
    // destroying it runs the destructors of its live locals and awaited future.
    if (h_) std::exchange(h_, nullptr).destroy();
  }

  std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T> async_generator<T> generator_promise<T>::get_return_object() noexcept {
  return async_generator<T>(std::coroutine_handle<generator_promise>::from_promise(*this));
}
} // namespace detail

} // namespace weft::stream

namespace weft {
/// weft::async_generator is weft::stream::async_generator.
using stream::async_generator;
} // namespace weft
