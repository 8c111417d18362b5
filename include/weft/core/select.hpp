// weft/core/select.hpp: select(f...) races futures; the first to finish wins and its
// output comes back as a std::variant whose index names the winner. The losers are
// destroyed (cancelled) before the select completes.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/core/future.hpp"

namespace weft {

/// The future returned by select().
template <future... Fs> class select_future {
public:
  using output = std::variant<detail::storable_t<future_output_t<Fs>>...>;

  explicit select_future(Fs... fs) : futures_(std::optional<Fs>(std::move(fs))...) {}

  /// Polls children in argument order (biased: on a tie the earlier argument wins).
  ::weft::poll<output> poll(context& cx) {
    std::optional<output> out;
    try_children(cx, out, std::index_sequence_for<Fs...>{});
    if (!out) return pending;
    // Losers are destroyed now, before the winner's value is handed out.
    std::apply([](auto&... f) { (f.reset(), ...); }, futures_);
    return ::weft::poll<output>(std::in_place, std::move(*out));
  }

private:
  template <std::size_t... I>
  void try_children(context& cx, std::optional<output>& out, std::index_sequence<I...>) {
    (void)((try_one<I>(cx, out)) || ...);
  }
  template <std::size_t I> bool try_one(context& cx, std::optional<output>& out) {
    auto& f = std::get<I>(futures_);
    WEFT_ASSERT(f.has_value(), "select polled after completion");
    using T = future_output_t<std::tuple_element_t<I, std::tuple<Fs...>>>;
    auto p = f->poll(cx);
    if (p.is_pending()) return false;
    if constexpr (std::is_void_v<T>) {
      out.emplace(std::in_place_index<I>);
    } else {
      out.emplace(std::in_place_index<I>, p.take());
    }
    return true;
  }

  std::tuple<std::optional<Fs>...> futures_;
};

/// Races the futures: completes with the first output, as a variant indexed by position.
///
/// Cancellation: every loser is destroyed before select returns; a future documented as
/// cancel-safe loses no data when it loses.
template <future... Fs> select_future<std::decay_t<Fs>...> select(Fs&&... fs) {
  static_assert(sizeof...(Fs) > 0, "select needs at least one future");
  return select_future<std::decay_t<Fs>...>(std::forward<Fs>(fs)...);
}

} // namespace weft
