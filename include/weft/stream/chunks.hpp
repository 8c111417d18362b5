// weft/stream/chunks.hpp: `s | chunks(n)`, the items of s in vectors of n (the last one
// may be shorter).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | chunks(n)`.
template <class S> class chunks_stream {
  using T = stream_item_t<S>;

public:
  using item_type = std::vector<T>;

  template <class S2>
  chunks_stream(S2&& s, std::size_t n) : s_(std::forward<S2>(s)), n_(n) {
    WEFT_ASSERT(n > 0, "chunks of size 0");
    buf_.reserve(n_);
  }

  poll_item<item_type> poll_next(context& cx) {
    if (done_) return detail::end<item_type>();
    for (;;) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) return pending;  // a partial chunk waits for more
      auto& v = *p;
      if (!v) {
        done_ = true;
        if (buf_.empty()) return detail::end<item_type>();
        return detail::item<item_type>(std::move(buf_));
      }
      buf_.push_back(std::move(*v));
      if (buf_.size() == n_) {
        poll_item<item_type> out = detail::item<item_type>(std::move(buf_));
        buf_ = {};
        buf_.reserve(n_);
        return out;
      }
    }
  }

private:
  S s_;
  std::size_t n_;
  std::vector<T> buf_;
  bool done_ = false;
};

/// Groups items into vectors of `n` (the last chunk holds the rest). A partial chunk waits
/// for the inner stream (use `timeout` upstream to bound the wait).
/// Preconditions: n > 0.
/// Cancellation: cancel-safe: items of a partial chunk stay in the adaptor across polls;
/// dropping the stream drops them.
inline auto chunks(std::size_t n) {
  return adaptor{[n]<class S>(S&& s) {
    return chunks_stream<detail::stored_t<S>>(std::forward<S>(s), n);
  }};
}

} // namespace weft::stream
