// weft/stream/map.hpp: `s | map(f)`, the stream of f(item) for each item of s.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | map(f)`.
template <class S, class Fn> class map_stream {
public:
  using item_type = std::remove_cvref_t<std::invoke_result_t<Fn&, stream_item_t<S>&&>>;
  static_assert(!std::is_void_v<item_type>, "map's function must return a value");

  template <class S2>
  map_stream(S2&& s, Fn f) : s_(std::forward<S2>(s)), f_(std::move(f)) {}

  poll_item<item_type> poll_next(context& cx) {
    auto p = s_.poll_next(cx);
    if (p.is_pending()) return pending;
    auto& v = *p;
    if (!v) return detail::end<item_type>();
    return detail::item<item_type>(std::invoke(f_, std::move(*v)));
  }

private:
  S s_;
  Fn f_;
};

/// Maps every item through `f(T) -> U` (synchronously; `then` for a function returning a
/// future). Cancellation: as cancel-safe as the inner stream (f runs only in the poll that
/// returns its result).
template <class Fn> auto map(Fn f) {
  return adaptor{[f = std::move(f)]<class S>(S&& s) mutable {
    return map_stream<detail::stored_t<S>, Fn>(std::forward<S>(s), std::move(f));
  }};
}

} // namespace weft::stream
