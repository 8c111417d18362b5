// weft/stream/repeat_with.hpp: repeat_with(f), the endless stream f(), f(), f(), ...
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/stream/async_stream.hpp"

namespace weft::stream {

/// The stream returned by repeat_with().
template <class Fn> class repeat_with_stream {
public:
  using item_type = std::remove_cvref_t<std::invoke_result_t<Fn&>>;

  explicit repeat_with_stream(Fn f) : f_(std::move(f)) {}

  /// Always ready with `f()`; never ends.
  poll_item<item_type> poll_next(context& cx) {
    if (!coop::poll_proceed(cx)) return pending;  // budget spent: poll_proceed woke us
    return detail::item<item_type>(std::invoke(f_));
  }

private:
  Fn f_;
};

/// An endless stream of `f()` results, one call per item. Each item spends one unit of the
/// cooperative budget. Cancellation: cancel-safe (f runs only in the poll that returns it).
template <class Fn> repeat_with_stream<std::decay_t<Fn>> repeat_with(Fn&& f) {
  return repeat_with_stream<std::decay_t<Fn>>(std::forward<Fn>(f));
}

} // namespace weft::stream
