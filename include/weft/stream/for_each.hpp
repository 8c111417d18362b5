// weft/stream/for_each.hpp: `s | for_each(f)`, a future that calls f(item) for every item
// of s and completes when s ends. When f returns a future, each one completes before the
// next item is taken.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The future returned by `s | for_each(f)`.
template <class S, class Fn> class for_each_future {
  using T = stream_item_t<S>;
  using ret_t = std::invoke_result_t<Fn&, T&&>;
  static constexpr bool async_ = future<ret_t>;
  struct none {};
  using fut_slot = std::conditional_t<async_, std::optional<ret_t>, none>;

public:
  template <class S2>
  for_each_future(S2&& s, Fn f) : s_(std::forward<S2>(s)), f_(std::move(f)) {}

  ::weft::poll<void> poll(context& cx) {
    for (;;) {
      if constexpr (async_) {
        if (fut_) {
          if (fut_->poll(cx).is_pending()) return pending;
          fut_.reset();
        }
      }
      auto p = s_.poll_next(cx);
      if (p.is_pending()) return pending;
      auto& v = *p;
      if (!v) return ready();
      if constexpr (async_) {
        fut_.emplace(detail::emplace_call{[&] { return std::invoke(f_, std::move(*v)); }});
      } else {
        std::invoke(f_, std::move(*v));
      }
    }
  }

private:
  S s_;
  Fn f_;
  [[no_unique_address]] fut_slot fut_;
};

/// Runs `f(T)` on every item (awaiting f's result first when it is a future); completes
/// when the stream ends. Errors: an exception from f or the stream ends the future with it.
/// Cancellation: dropping it drops the current f future (if any) and the stream if owned.
template <class Fn> auto for_each(Fn f) {
  return adaptor{[f = std::move(f)]<class S>(S&& s) mutable {
    return for_each_future<detail::stored_t<S>, Fn>(std::forward<S>(s), std::move(f));
  }};
}

} // namespace weft::stream
