// weft/io/clock.hpp: weft's notion of now: the steady clock, or a paused (virtual) clock for
// tests. Also the conversion between instants and timer-wheel ticks (1 tick = 1 ms).
//
// Protocol: the clock is process-wide. `paused_` and `offset_ns_` are atomics read by every
// driver; pause/resume/advance are test utilities and may be called from any thread.
// Ticks: tick(deadline) rounds up and now_tick() rounds down, so a timer fired when its tick
// <= now_tick() never fires before its deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <algorithm>
#include <functional>
#include <mutex>
#include <vector>

#include "weft/detail/atomic.hpp"

namespace weft::time {

using clock = std::chrono::steady_clock;
using instant = clock::time_point;
using duration = clock::duration;

namespace detail {

class clock_state {
public:
  instant now() const noexcept {
    // acquire: pairs with pause()'s release of frozen_.
    if (paused_.load(weft::detail::memory_order_acquire)) {
      // acquire: pairs with advance's release, so a timer due at the new time sees it.
      return frozen_ + std::chrono::nanoseconds(offset_ns_.load(weft::detail::memory_order_acquire));
    }
    // skew_ns_: how far weft's clock runs ahead of the steady clock after pauses, so time
    // never goes backwards when a paused (and advanced) clock resumes.
    // acquire: pairs with resume's release of skew_ns_.
    return clock::now() + std::chrono::nanoseconds(skew_ns_.load(weft::detail::memory_order_acquire));
  }

  [[nodiscard]] bool paused() const noexcept {
    // acquire: pairs with pause's release (frozen_ is visible with the flag).
    return paused_.load(weft::detail::memory_order_acquire);
  }

  void pause() {
    std::lock_guard lock(mu_);
    // relaxed (these three): under mu_, which every writer holds.
    if (paused_.load(weft::detail::memory_order_relaxed)) return;
    frozen_ = clock::now() + std::chrono::nanoseconds(skew_ns_.load(weft::detail::memory_order_relaxed));
    offset_ns_.store(0, weft::detail::memory_order_relaxed);
    // release: frozen_ is published with the flag.
    paused_.store(true, weft::detail::memory_order_release);
  }

  void resume() {
    std::lock_guard lock(mu_);
    // relaxed (both): under mu_, which every writer holds.
    if (paused_.load(weft::detail::memory_order_relaxed)) {
      const instant virtual_now =
          frozen_ + std::chrono::nanoseconds(offset_ns_.load(weft::detail::memory_order_relaxed));
      const auto skew = std::chrono::duration_cast<std::chrono::nanoseconds>(virtual_now - clock::now());
      // release: published before the flag flips, with it.
      skew_ns_.store(std::max<std::int64_t>(skew.count(), 0), weft::detail::memory_order_release);
    }
    // release: the skew is published with the flag (pairs with now()'s acquire loads).
    paused_.store(false, weft::detail::memory_order_release);
    notify_drivers();
  }

  /// Moves the paused clock forward by `d` (never backwards) and wakes the drivers.
  void advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mu_);
    // acq_rel: release pairs with now()'s acquire; acquire orders after earlier advances.
    if (d.count() > 0) offset_ns_.fetch_add(d.count(), weft::detail::memory_order_acq_rel);
    notify_drivers();
  }

  /// Moves the paused clock to at least `t` (used by auto-advance).
  void advance_to(instant t) {
    std::lock_guard lock(mu_);
    const auto want = std::chrono::duration_cast<std::chrono::nanoseconds>(t - frozen_).count();
    // relaxed: under mu_; release: pairs with now()'s acquire load.
    std::int64_t cur = offset_ns_.load(weft::detail::memory_order_relaxed);
    if (want > cur) offset_ns_.store(want, weft::detail::memory_order_release);
  }

  /// The fixed origin of ticks.
  instant origin() const noexcept { return origin_; }

  /// Drivers register a wake-up so advance() can make them re-check their timers.
  std::size_t add_listener(std::function<void()> f) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      if (!listeners_[i]) {
        listeners_[i] = std::move(f);
        return i;
      }
    }
    listeners_.push_back(std::move(f));
    return listeners_.size() - 1;
  }
  void remove_listener(std::size_t id) {
    std::lock_guard lock(mu_);
    if (id < listeners_.size()) listeners_[id] = nullptr;
  }

private:
  void notify_drivers() {
    for (auto& f : listeners_) {
      if (f) f();
    }
  }

  const instant origin_ = clock::now();
  std::mutex mu_;
  instant frozen_{};
  weft::detail::atomic<bool> paused_{false};
  weft::detail::atomic<std::int64_t> offset_ns_{0};
  weft::detail::atomic<std::int64_t> skew_ns_{0};
  std::vector<std::function<void()>> listeners_;
};

inline clock_state& global_clock() {
  // Leaked on purpose: a driver may be destroyed during exit (by a blocking-pool thread that
  // held the last reference to its runtime), after static destructors ran.
  static auto* c = new clock_state;
  return *c;
}

/// The wheel tick of `t`, rounded up (a timer never fires early).
inline std::uint64_t tick_at(instant t) noexcept {
  const auto since = t - global_clock().origin();
  if (since.count() <= 0) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(since).count();
  return static_cast<std::uint64_t>(ms);
}
/// The current tick, rounded down.
inline std::uint64_t now_tick() noexcept {
  const auto since = global_clock().now() - global_clock().origin();
  if (since.count() <= 0) return 0;
  return static_cast<std::uint64_t>(std::chrono::floor<std::chrono::milliseconds>(since).count());
}
/// The instant a tick starts.
inline instant instant_of(std::uint64_t tick) noexcept {
  return global_clock().origin() + std::chrono::milliseconds(static_cast<std::int64_t>(tick));
}

} // namespace detail

/// Now, on weft's clock (virtual while paused).
inline instant now() noexcept { return detail::global_clock().now(); }

/// Freezes weft's clock (for tests). Timers then fire only when time is advanced: by
/// advance(), or automatically when a current-thread runtime has nothing else to do.
inline void pause() { detail::global_clock().pause(); }
/// Lets weft's clock run again from where the paused clock stood: it never goes backwards,
/// so after an advance weft::time::now() stays ahead of std::chrono::steady_clock::now().
inline void resume() { detail::global_clock().resume(); }
/// Moves the paused clock forward by `d`.
inline void advance(duration d) {
  detail::global_clock().advance(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}
/// True while the clock is paused.
inline bool is_paused() noexcept { return detail::global_clock().paused(); }

} // namespace weft::time
