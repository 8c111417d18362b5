// weft/stream/filter.hpp: `s | filter(pred)`, the items of s for which pred(item) holds.
#pragma once

#include <functional>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | filter(pred)`.
template <class S, class Pred> class filter_stream {
public:
  using item_type = stream_item_t<S>;

  template <class S2>
  filter_stream(S2&& s, Pred p) : s_(std::forward<S2>(s)), pred_(std::move(p)) {}

  poll_item<item_type> poll_next(context& cx) {
    for (;;) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) return pending;
      auto& v = *p;
      if (!v) return detail::end<item_type>();
      if (std::invoke(pred_, std::as_const(*v))) return detail::item<item_type>(std::move(*v));
    }
  }

private:
  S s_;
  Pred pred_;
};

/// Keeps the items for which `pred(const T&)` is true. Rejected items are dropped in the
/// poll that met them. Cancellation: as cancel-safe as the inner stream.
template <class Pred> auto filter(Pred pred) {
  return adaptor{[pred = std::move(pred)]<class S>(S&& s) mutable {
    return filter_stream<detail::stored_t<S>, Pred>(std::forward<S>(s), std::move(pred));
  }};
}

} // namespace weft::stream
