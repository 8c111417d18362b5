// weft/stream/interval.hpp: interval(period) as a stream: the instants of an
// interval_timer's ticks (weft/time/interval.hpp), endless.
#pragma once

#include <optional>
#include <utility>

#include "weft/stream/async_stream.hpp"
#include "weft/time/interval.hpp"

namespace weft::stream {

/// A stream of an interval_timer's ticks; each item is the instant the tick was scheduled
/// for. Never ends.
///
/// Preconditions: polled on a runtime thread (it sleeps on weft's timer wheel).
/// Cancellation: cancel-safe: a `next` dropped while waiting loses no tick.
class interval_stream {
public:
  using item_type = time::instant;

  explicit interval_stream(time::interval_timer iv) : iv_(std::move(iv)) {}
  interval_stream(interval_stream&& o) noexcept : iv_(std::move(o.iv_)) {
    WEFT_ASSERT(!o.tick_.has_value(), "moved an interval stream while it waits for a tick");
  }
  interval_stream& operator=(interval_stream&&) = delete;

  poll_item<time::instant> poll_next(context& cx) {
    if (!tick_) tick_.emplace(iv_.tick());
    auto p = tick_->poll(cx);
    if (p.is_pending()) return pending;
    tick_.reset();
    return detail::item<time::instant>(p.take());
  }

  /// The ticker (to change its missed-tick behaviour, or reset it).
  /// Preconditions: not waiting for a tick (between items).
  time::interval_timer& timer() noexcept { return iv_; }

private:
  time::interval_timer iv_;
  std::optional<time::interval_timer::tick_future> tick_;
};

/// A stream ticking at once and then every `period` (see time::interval).
inline interval_stream interval(time::duration period,
                                time::missed_tick_behavior b = time::missed_tick_behavior::burst) {
  return interval_stream(time::interval(period, b));
}
/// A stream whose first tick is at `start`.
inline interval_stream interval_at(time::instant start, time::duration period,
                                   time::missed_tick_behavior b = time::missed_tick_behavior::burst) {
  return interval_stream(time::interval_at(start, period, b));
}

} // namespace weft::stream
