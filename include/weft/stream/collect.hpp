// weft/stream/collect.hpp: `s | collect()`, a future of a std::vector of every item of s
// (or any container with push_back: `s | collect<std::deque<int>>()`).
#pragma once

#include <type_traits>
#include <utility>
#include <vector>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The future returned by `s | collect()`.
template <class S, class C> class collect_future {
public:
  template <class S2>
  explicit collect_future(S2&& s) : s_(std::forward<S2>(s)) {}

  ::weft::poll<C> poll(context& cx) {
    for (;;) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) return pending;
      auto& v = *p;
      if (!v) return ::weft::poll<C>(std::in_place, std::move(out_));
      out_.push_back(std::move(*v));
    }
  }

private:
  S s_;
  C out_;
};

/// Collects every item into a container (std::vector<T> unless C is given).
/// Cancellation: dropping the future drops the items collected so far.
template <class C = void> auto collect() {
  return adaptor{[]<class S>(S&& s) {
    using T = stream_item_t<S>;
    using out_t = std::conditional_t<std::is_void_v<C>, std::vector<T>, C>;
    return collect_future<detail::stored_t<S>, out_t>(std::forward<S>(s));
  }};
}

} // namespace weft::stream
