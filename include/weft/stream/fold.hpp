// weft/stream/fold.hpp: `s | fold(init, f)`, a future: f(acc, item) over every item of s,
// starting from init; completes with the last accumulator when s ends.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The future returned by `s | fold(init, f)`.
template <class S, class Acc, class Fn> class fold_future {
public:
  template <class S2>
  fold_future(S2&& s, Acc init, Fn f)
      : s_(std::forward<S2>(s)), acc_(std::move(init)), f_(std::move(f)) {}

  ::weft::poll<Acc> poll(context& cx) {
    for (;;) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) return pending;
      auto& v = *p;
      if (!v) return ::weft::poll<Acc>(std::in_place, std::move(acc_));
      acc_ = std::invoke(f_, std::move(acc_), std::move(*v));
    }
  }

private:
  S s_;
  Acc acc_;
  Fn f_;
};

/// Folds the stream with `f(Acc, T) -> Acc` from `init`; a future of the final Acc.
/// Cancellation: dropping the future drops the accumulator (and the stream, if it owns it).
template <class Acc, class Fn> auto fold(Acc init, Fn f) {
  return adaptor{[init = std::move(init), f = std::move(f)]<class S>(S&& s) mutable {
    return fold_future<detail::stored_t<S>, Acc, Fn>(std::forward<S>(s), std::move(init),
                                                     std::move(f));
  }};
}

} // namespace weft::stream
