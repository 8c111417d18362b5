// weft/stream/filter_map.hpp: `s | filter_map(f)`: f(item) returns std::optional<U>; the
// stream yields the engaged ones.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | filter_map(f)`.
template <class S, class Fn> class filter_map_stream {
  using opt_t = std::remove_cvref_t<std::invoke_result_t<Fn&, stream_item_t<S>&&>>;

public:
  using item_type = typename opt_t::value_type;

  template <class S2>
  filter_map_stream(S2&& s, Fn f) : s_(std::forward<S2>(s)), f_(std::move(f)) {}

  poll_item<item_type> poll_next(context& cx) {
    for (;;) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) return pending;
      auto& v = *p;
      if (!v) return detail::end<item_type>();
      opt_t u = std::invoke(f_, std::move(*v));
      if (u) return detail::item<item_type>(std::move(*u));
    }
  }

private:
  S s_;
  Fn f_;
};

/// Maps with `f(T) -> std::optional<U>` and keeps the engaged results.
/// Cancellation: as cancel-safe as the inner stream.
template <class Fn> auto filter_map(Fn f) {
  return adaptor{[f = std::move(f)]<class S>(S&& s) mutable {
    return filter_map_stream<detail::stored_t<S>, Fn>(std::forward<S>(s), std::move(f));
  }};
}

} // namespace weft::stream
