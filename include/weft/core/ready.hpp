// weft/core/ready.hpp: trivial futures: `ready(v)` (see poll.hpp: a ready_value is a future),
// `never<T>()` that stays pending forever, and `poll_fn(f)` that turns a poll function
// into a future.
#pragma once

#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"

namespace weft {

/// A future that never completes; useful as the losing side of `select` in tests.
template <class T = void> struct never {
  ::weft::poll<T> poll(context&) noexcept { return pending; }
};

/// A future made of a poll function `fn(context&) -> poll<T>`.
template <class Fn> class poll_fn_future {
public:
  explicit poll_fn_future(Fn fn) : fn_(std::move(fn)) {}
  auto poll(context& cx) -> std::invoke_result_t<Fn&, context&> { return fn_(cx); }

private:
  Fn fn_;
};

/// Wraps `fn(context&) -> poll<T>` as a future.
template <class Fn>
  requires poll_type<std::invoke_result_t<Fn&, context&>>
poll_fn_future<std::decay_t<Fn>> poll_fn(Fn&& fn) {
  return poll_fn_future<std::decay_t<Fn>>(std::forward<Fn>(fn));
}

} // namespace weft
