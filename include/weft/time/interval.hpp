// weft/time/interval.hpp: interval(period) → interval_timer: a ticker whose tick() future completes at
// start, start + period, start + 2·period, …; what happens to ticks missed while the owner
// was busy is chosen by missed_tick_behavior (as in tokio): burst, delay or skip.
#pragma once

#include <chrono>
#include <optional>

#include "weft/time/sleep.hpp"

namespace weft::time {

/// What an interval does with ticks it missed.
enum class missed_tick_behavior {
  burst,  ///< fire the missed ticks back to back until caught up (the default)
  delay,  ///< the next tick is a full period after the late one
  skip,   ///< skip the missed ticks; stay on the original grid
};

/// A periodic ticker. `co_await iv.tick()` returns the instant the tick was scheduled for.
///
/// Cancellation: dropping a tick() future loses no tick (the next tick() returns it).
class interval_timer {
public:
  interval_timer(instant start, duration period,
                 missed_tick_behavior b = missed_tick_behavior::burst)
      : next_(start), period_(period), behavior_(b) {
    WEFT_ASSERT(period.count() > 0, "interval period must be positive");
  }

  /// The future of the next tick.
  class tick_future {
  public:
    explicit tick_future(interval_timer& iv) : iv_(&iv), sleep_(iv.next_) {}
    ::weft::poll<instant> poll(context& cx) {
      if (sleep_.poll(cx).is_pending()) return pending;
      return ::weft::poll<instant>(std::in_place, iv_->advance());
    }

  private:
    interval_timer* iv_;
    sleep_future sleep_;
  };

  tick_future tick() { return tick_future(*this); }

  [[nodiscard]] duration period() const noexcept { return period_; }
  [[nodiscard]] missed_tick_behavior behavior() const noexcept { return behavior_; }
  void set_missed_tick_behavior(missed_tick_behavior b) noexcept { behavior_ = b; }
  /// Restarts the grid: the next tick is one period from now.
  void reset() { next_ = now() + period_; }

private:
  instant advance() {
    const instant scheduled = next_;
    const instant t = now();
    switch (behavior_) {
    case missed_tick_behavior::burst:
      next_ = scheduled + period_;
      break;
    case missed_tick_behavior::delay:
      next_ = t + period_;
      break;
    case missed_tick_behavior::skip: {
      next_ = scheduled + period_;
      if (next_ <= t) {
        const auto behind = (t - scheduled) / period_;
        next_ = scheduled + period_ * (behind + 1);
      }
      break;
    }
    }
    return scheduled;
  }

  instant next_;
  duration period_;
  missed_tick_behavior behavior_;
};

/// A ticker firing at once and then every `period`.
inline interval_timer interval(duration period,
                               missed_tick_behavior b = missed_tick_behavior::burst) {
  return interval_timer(now(), period, b);
}
/// A ticker whose first tick is at `start`.
inline interval_timer interval_at(instant start, duration period,
                                  missed_tick_behavior b = missed_tick_behavior::burst) {
  return interval_timer(start, period, b);
}

} // namespace weft::time
