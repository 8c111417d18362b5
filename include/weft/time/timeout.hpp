// weft/time/timeout.hpp: timeout(d, f): f's output, or nothing when d passes first, in which
// case f is dropped (cancelled) before the timeout completes.
#pragma once

#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/time/sleep.hpp"

namespace weft::time {

/// The future returned by timeout(): output `std::optional<T>` (void → std::monostate);
/// std::nullopt means the deadline came first.
template <future F> class timeout_future {
  using T = future_output_t<F>;

public:
  using output = std::optional<weft::detail::storable_t<T>>;

  timeout_future(F f, instant deadline)
      : inner_(std::in_place, std::move(f)), sleep_(std::in_place, deadline) {}

  ::weft::poll<output> poll(context& cx) {
    WEFT_ASSERT(inner_.has_value(), "timeout polled after completion");
    auto p = inner_->poll(cx);
    if (p.is_ready()) {
      output out;
      if constexpr (std::is_void_v<T>) {
        out.emplace();
      } else {
        out.emplace(p.take());
      }
      // Both go now, not with the timeout object: its deadline holds a timer in a driver.
      inner_.reset();
      sleep_.reset();
      return ::weft::poll<output>(std::in_place, std::move(out));
    }
    if (sleep_->poll(cx).is_pending()) return pending;
    inner_.reset();  // timed out: the inner future is cancelled before we complete
    sleep_.reset();
    return ::weft::poll<output>(std::in_place, std::nullopt);
  }

  /// True while the deadline's timer is held (until the timeout completes either way).
  [[nodiscard]] bool deadline_armed() const noexcept { return sleep_.has_value(); }

private:
  std::optional<F> inner_;
  std::optional<sleep_future> sleep_;
};

/// Runs `f` with a time limit `d`: its output, or std::nullopt (f dropped) if `d` passes
/// first. The inner future is polled first, so an output ready at the deadline wins.
template <future F, class Rep, class Period>
timeout_future<std::decay_t<F>> timeout(std::chrono::duration<Rep, Period> d, F&& f) {
  return timeout_future<std::decay_t<F>>(std::forward<F>(f),
                                         now() + std::chrono::duration_cast<duration>(d));
}

/// Like timeout(), with an absolute deadline.
template <future F> timeout_future<std::decay_t<F>> timeout_at(instant deadline, F&& f) {
  return timeout_future<std::decay_t<F>>(std::forward<F>(f), deadline);
}

} // namespace weft::time
