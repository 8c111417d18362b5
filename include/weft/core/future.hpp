// weft/core/future.hpp: the future concept and the traits derived from it.
//
// A future is any object with `poll(context&) -> poll<T>`. The contract, as in Rust:
// - lazy: nothing happens before the first poll;
// - once polled it does not move (C++'s answer to `Pin`): combinators and executors poll
//   futures in place;
// - `pending` means the future arranged for `cx.waker()` to be woken when progress is
//   possible (or woke it already);
// - once it answered `ready`, it is not polled again;
// - spurious polls (polls without a wake) are allowed and must be harmless.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "weft/core/context.hpp"
#include "weft/core/poll.hpp"

namespace weft {

/// Satisfied by anything that can be polled with a context.
template <class F>
concept future = requires(F& f, context& cx) {
  { f.poll(cx) } -> poll_type;
};

/// The output type of future F.
template <future F>
using future_output_t = typename decltype(std::declval<F&>().poll(std::declval<context&>()))::value_type;

namespace detail {
/// void outputs become std::monostate inside tuples, variants and vectors.
template <class T> struct storable {
  using type = T;
};
template <> struct storable<void> {
  using type = std::monostate;
};
template <class T> using storable_t = typename storable<T>::type;

/// Polls `f` and stores a ready output into `slot` (an optional of storable_t).
template <class F, class Slot> bool poll_into(F& f, context& cx, Slot& slot) {
  using T = future_output_t<F>;
  auto p = f.poll(cx);
  if (p.is_pending()) return false;
  if constexpr (std::is_void_v<T>) {
    slot.emplace();
  } else {
    slot.emplace(p.take());
  }
  return true;
}
} // namespace detail

} // namespace weft
