// weft/core/try_join.hpp: try_join(f...) over futures that output result<T>: completes with
// result<tuple<T...>> once all succeed, or with the first error, at which point the
// children still running are destroyed (cancelled).
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/core/result.hpp"

namespace weft {

namespace detail {
template <class R> struct result_value;
template <class T> struct result_value<result<T>> {
  using type = storable_t<T>;
};
} // namespace detail

/// The future returned by try_join().
template <future... Fs> class try_join_future {
public:
  using output = result<std::tuple<typename detail::result_value<future_output_t<Fs>>::type...>>;

  explicit try_join_future(Fs... fs) : futures_(std::optional<Fs>(std::move(fs))...) {}

  ::weft::poll<output> poll(context& cx) {
    bool all = true;
    std::error_code err;
    poll_children(cx, all, err, std::index_sequence_for<Fs...>{});
    if (err) {
      std::apply([](auto&... f) { (f.reset(), ...); }, futures_);
      return ::weft::poll<output>(std::in_place, err);
    }
    if (!all) return pending;
    return std::apply(
        [](auto&... o) {
          return ::weft::poll<output>(std::in_place, std::in_place, std::move(*o)...);
        },
        outputs_);
  }

private:
  template <std::size_t... I>
  void poll_children(context& cx, bool& all, std::error_code& err, std::index_sequence<I...>) {
    (poll_one<I>(cx, all, err), ...);
  }
  template <std::size_t I> void poll_one(context& cx, bool& all, std::error_code& err) {
    auto& out = std::get<I>(outputs_);
    if (err || out.has_value()) return;
    auto& f = std::get<I>(futures_);
    auto p = f->poll(cx);
    if (p.is_pending()) {
      all = false;
      return;
    }
    auto r = p.take();
    if (!r) {
      err = r.error();
      return;
    }
    f.reset();  // finished children are released early
    if constexpr (std::is_void_v<typename decltype(r)::value_type>) {
      out.emplace();
    } else {
      out.emplace(std::move(*r));
    }
  }

  std::tuple<std::optional<Fs>...> futures_;
  std::tuple<std::optional<typename detail::result_value<future_output_t<Fs>>::type>...> outputs_;
};

/// Runs futures returning `result<T>` concurrently: all values, or the first error.
///
/// Cancellation: on the first error the remaining children are destroyed before try_join
/// completes.
template <future... Fs> try_join_future<std::decay_t<Fs>...> try_join(Fs&&... fs) {
  return try_join_future<std::decay_t<Fs>...>(std::forward<Fs>(fs)...);
}

} // namespace weft
