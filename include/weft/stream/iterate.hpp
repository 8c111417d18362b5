// weft/stream/iterate.hpp: iterate(init, f), the endless stream init, f(init), f(f(init)), ...
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/stream/async_stream.hpp"

namespace weft::stream {

/// The stream returned by iterate().
template <class T, class Fn> class iterate_stream {
public:
  using item_type = T;

  iterate_stream(T init, Fn f) : next_(std::move(init)), f_(std::move(f)) {}

  /// Always ready with the next value; never ends.
  poll_item<T> poll_next(context& cx) {
    if (!coop::poll_proceed(cx)) return pending;  // budget spent: poll_proceed woke us
    T out = next_;
    next_ = std::invoke(f_, std::as_const(next_));
    return detail::item<T>(std::move(out));
  }

private:
  T next_;
  Fn f_;
};

/// An endless stream: `init`, `f(init)`, `f(f(init))`, ... (`f(const T&) -> T`). Bound it
/// with `take` or `take_while`. Each item spends one unit of the cooperative budget.
/// Cancellation: cancel-safe.
template <class T, class Fn> iterate_stream<std::decay_t<T>, std::decay_t<Fn>> iterate(T&& init, Fn&& f) {
  return {std::forward<T>(init), std::forward<Fn>(f)};
}

} // namespace weft::stream
