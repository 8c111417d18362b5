// weft/stream/throttle.hpp: `s | throttle(period)`: at most one item per period; the inner
// stream is not polled until a period has passed since the previous item.
#pragma once

#include <chrono>
#include <optional>
#include <utility>

#include "weft/stream/adaptor.hpp"
#include "weft/time/sleep.hpp"

namespace weft::stream {

/// The stream returned by `s | throttle(period)`.
template <class S> class throttle_stream {
public:
  using item_type = stream_item_t<S>;

  template <class S2>
  throttle_stream(S2&& s, time::duration period) : s_(std::forward<S2>(s)), period_(period) {}
  // Moved only before the first poll (adaptors are built by moving); the timer is not
  // moved at all, which also spares g++ a false maybe-uninitialized on optional's move.
  throttle_stream(throttle_stream&& o) : s_(std::forward<S>(o.s_)), period_(o.period_) {
    WEFT_ASSERT(!o.gap_.has_value(), "moved a throttle_stream while its timer is armed");
  }
  throttle_stream& operator=(throttle_stream&&) = delete;

  poll_item<item_type> poll_next(context& cx) {
    if (gap_) {
      if (gap_->poll(cx).is_pending()) return pending;
      gap_.reset();
    }
    auto p = s_.poll_next(cx);
    if (p.is_ready() && *p) gap_.emplace(time::now() + period_);
    return p;
  }

private:
  S s_;
  time::duration period_;
  std::optional<time::sleep_future> gap_;
};

/// Spaces items at least `period` apart (the first passes at once). The inner stream is
/// not polled during the gap, so a bounded source backs up instead of being drained.
/// Preconditions: polled on a runtime thread (it sleeps on weft's timer wheel).
/// Cancellation: cancel-safe if the inner stream is (the gap survives a dropped `next`).
template <class Rep, class Period> auto throttle(std::chrono::duration<Rep, Period> period) {
  const auto d = std::chrono::duration_cast<time::duration>(period);
  return adaptor{[d]<class S>(S&& s) {
    return throttle_stream<detail::stored_t<S>>(std::forward<S>(s), d);
  }};
}

} // namespace weft::stream
