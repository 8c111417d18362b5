// weft/stream/skip.hpp: `s | skip(n)`, s without its first n items.
#pragma once

#include <cstddef>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | skip(n)`.
template <class S> class skip_stream {
public:
  using item_type = stream_item_t<S>;

  template <class S2>
  skip_stream(S2&& s, std::size_t n) : s_(std::forward<S2>(s)), skip_(n) {}

  poll_item<item_type> poll_next(context& cx) {
    for (;;) {
      auto p = s_.poll_next(cx);
      if (p.is_pending() || !*p || skip_ == 0) return p;
      --skip_;  // the count survives a pending poll: no item is skipped twice or kept
    }
  }

private:
  S s_;
  std::size_t skip_;
};

/// Drops the first `n` items. Cancellation: as cancel-safe as the inner stream.
inline auto skip(std::size_t n) {
  return adaptor{[n]<class S>(S&& s) {
    return skip_stream<detail::stored_t<S>>(std::forward<S>(s), n);
  }};
}

} // namespace weft::stream
