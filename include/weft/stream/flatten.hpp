// weft/stream/flatten.hpp: `s | flatten()`: s yields streams; the result yields their
// items, one inner stream after the other.
#pragma once

#include <optional>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | flatten()`.
template <class S> class flatten_stream {
  using inner_t = stream_item_t<S>;
  static_assert(async_stream<inner_t>, "flatten needs a stream of streams");

public:
  using item_type = stream_item_t<inner_t>;

  template <class S2>
  explicit flatten_stream(S2&& s) : s_(std::forward<S2>(s)) {}

  poll_item<item_type> poll_next(context& cx) {
    for (;;) {
      if (inner_) {
        auto p = inner_->poll_next(cx);
        if (p.is_pending() || *p) return p;
        inner_.reset();  // this inner stream ended: on to the next
      }
      if (done_) return detail::end<item_type>();
      auto q = s_.poll_next(cx);
      if (q.is_pending()) return pending;
      if (!*q) {
        done_ = true;
        return detail::end<item_type>();
      }
      inner_.emplace(std::move(**q));
    }
  }

private:
  S s_;
  std::optional<inner_t> inner_;
  bool done_ = false;
};

/// Concatenates the inner streams (sequentially: the next is taken once the current one
/// ended). Cancellation: as cancel-safe as the inner streams.
inline auto flatten() {
  return adaptor{[]<class S>(S&& s) {
    return flatten_stream<detail::stored_t<S>>(std::forward<S>(s));
  }};
}

} // namespace weft::stream
