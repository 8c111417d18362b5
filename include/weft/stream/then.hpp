// weft/stream/then.hpp: `s | then(f)`, the asynchronous map: f(item) returns a future, and
// the stream yields its output before it takes the next item (one at a time; see
// buffered / buffer_unordered for running several at once).
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | then(f)`.
template <class S, class Fn> class then_stream {
  using fut_t = std::invoke_result_t<Fn&, stream_item_t<S>&&>;
  static_assert(future<fut_t>, "then's function must return a weft future");

public:
  using item_type = weft::detail::storable_t<future_output_t<fut_t>>;

  template <class S2>
  then_stream(S2&& s, Fn f) : s_(std::forward<S2>(s)), f_(std::move(f)) {}

  poll_item<item_type> poll_next(context& cx) {
    if (!fut_) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) return pending;
      auto& v = *p;
      if (!v) return detail::end<item_type>();
      fut_.emplace(detail::emplace_call{[&] { return std::invoke(f_, std::move(*v)); }});
    }
    auto q = fut_->poll(cx);
    if (q.is_pending()) return pending;
    if constexpr (std::is_void_v<future_output_t<fut_t>>) {
      fut_.reset();
      return detail::item<item_type>();
    } else {
      poll_item<item_type> out = detail::item<item_type>(q.take());
      fut_.reset();
      return out;
    }
  }

private:
  S s_;
  Fn f_;
  std::optional<fut_t> fut_;
};

/// Maps every item through `f(T) -> future<U>` and yields each U in order (void outputs
/// become std::monostate).
/// Cancellation: an item taken from the inner stream lives on inside its future; dropping a
/// `next` loses nothing, dropping the stream drops that future (and whatever it held).
template <class Fn> auto then(Fn f) {
  return adaptor{[f = std::move(f)]<class S>(S&& s) mutable {
    return then_stream<detail::stored_t<S>, Fn>(std::forward<S>(s), std::move(f));
  }};
}

} // namespace weft::stream
