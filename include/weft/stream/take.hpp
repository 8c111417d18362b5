// weft/stream/take.hpp: `s | take(n)`, the first n items of s.
#pragma once

#include <cstddef>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | take(n)`.
template <class S> class take_stream {
public:
  using item_type = stream_item_t<S>;

  template <class S2>
  take_stream(S2&& s, std::size_t n) : s_(std::forward<S2>(s)), left_(n) {}

  poll_item<item_type> poll_next(context& cx) {
    if (left_ == 0) return detail::end<item_type>();
    auto p = s_.poll_next(cx);
    if (p.is_pending()) return pending;
    if (!*p) {
      left_ = 0;
      return detail::end<item_type>();
    }
    --left_;
    return p;
  }

private:
  S s_;
  std::size_t left_;
};

/// At most the first `n` items; the inner stream is not polled after the n-th.
/// Cancellation: as cancel-safe as the inner stream.
inline auto take(std::size_t n) {
  return adaptor{[n]<class S>(S&& s) {
    return take_stream<detail::stored_t<S>>(std::forward<S>(s), n);
  }};
}

} // namespace weft::stream
