// weft/stream/take_while.hpp: `s | take_while(pred)`: items while pred(item) holds; the
// first item failing it ends the stream (and is dropped).
#pragma once

#include <functional>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | take_while(pred)`.
template <class S, class Pred> class take_while_stream {
public:
  using item_type = stream_item_t<S>;

  template <class S2>
  take_while_stream(S2&& s, Pred p) : s_(std::forward<S2>(s)), pred_(std::move(p)) {}

  poll_item<item_type> poll_next(context& cx) {
    if (done_) return detail::end<item_type>();
    auto p = s_.poll_next(cx);
    if (p.is_pending()) return pending;
    auto& v = *p;
    if (!v || !std::invoke(pred_, std::as_const(*v))) {
      done_ = true;
      return detail::end<item_type>();
    }
    return p;
  }

private:
  S s_;
  Pred pred_;
  bool done_ = false;
};

/// Items while `pred(const T&)` is true; the inner stream is not polled after the first
/// item that fails it. Cancellation: as cancel-safe as the inner stream.
template <class Pred> auto take_while(Pred pred) {
  return adaptor{[pred = std::move(pred)]<class S>(S&& s) mutable {
    return take_while_stream<detail::stored_t<S>, Pred>(std::forward<S>(s), std::move(pred));
  }};
}

} // namespace weft::stream
