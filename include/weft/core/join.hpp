// weft/core/join.hpp: join(f...) runs several futures concurrently and completes with the
// tuple of their outputs (void outputs become std::monostate). Children are polled with the
// parent's waker; for large counts use join_all, which polls only the children woken.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"

namespace weft {

/// The future returned by join().
template <future... Fs> class join_future {
public:
  using output = std::tuple<detail::storable_t<future_output_t<Fs>>...>;

  explicit join_future(Fs... fs) : futures_(std::move(fs)...) {}

  ::weft::poll<output> poll(context& cx) {
    bool all = true;
    poll_children(cx, all, std::index_sequence_for<Fs...>{});
    if (!all) return pending;
    return std::apply([](auto&... o) { return ::weft::poll<output>(std::in_place, std::move(*o)...); },
                      outputs_);
  }

private:
  template <std::size_t... I> void poll_children(context& cx, bool& all, std::index_sequence<I...>) {
    ((std::get<I>(outputs_).has_value() ||
              detail::poll_into(std::get<I>(futures_), cx, std::get<I>(outputs_))
          ? void()
          : void(all = false)),
     ...);
  }

  std::tuple<Fs...> futures_;
  std::tuple<std::optional<detail::storable_t<future_output_t<Fs>>>...> outputs_;
};

/// Runs all futures concurrently; completes when every one has, with a tuple of outputs.
///
/// Cancellation: dropping the join drops every child still running.
template <future... Fs> join_future<std::decay_t<Fs>...> join(Fs&&... fs) {
  return join_future<std::decay_t<Fs>...>(std::forward<Fs>(fs)...);
}

} // namespace weft
