// weft/runtime/driver.hpp: the interface a worker parks through, and the default driver that
// only sleeps (a futex). The io_uring reactor (weft/io/) implements the same interface, so the
// runtime never depends on it: the builder plugs a driver factory in.
//
// Protocol of every driver: `park` blocks the owner thread until `unpark` is called (from any
// thread), an event the driver manages completes, or the timeout passes; an `unpark` that
// comes before `park` makes the next `park` return at once (the notification is sticky, so no
// wake-up is lost). `turn` processes ready events without blocking. Only the owner thread
// calls park, turn and shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "weft/detail/atomic.hpp"
#include "weft/detail/futex.hpp"

namespace weft {

/// A worker's way to sleep and to learn about events.
class driver {
public:
  driver() = default;
  driver(const driver&) = delete;
  driver& operator=(const driver&) = delete;
  virtual ~driver() = default;

  /// Blocks until unpark(), an event, or `timeout` (nullopt: no timeout). Owner thread only.
  virtual void park(std::optional<std::chrono::nanoseconds> timeout) = 0;
  /// Wakes the owner from park, now or at its next park. Any thread.
  virtual void unpark() noexcept = 0;
  /// Processes ready events without blocking. Owner thread only.
  virtual void turn() {}
  /// The owner thread is done with the driver for now (a block_on returned): cancel and reap
  /// whatever is still in flight, so the idle driver can wait for its next use, or be
  /// destroyed from any thread. Owner thread only.
  virtual void quiesce() {}
  /// Completes the driver's own bookkeeping I/O (wake-up reads and messages), leaving
  /// operations of futures alone: with none of those in flight, nothing of the kernel's
  /// remains. Called when a current-thread runtime's block_on returns. Owner thread only.
  virtual void settle() {}
  /// The owner thread is about to exit: cancel and reap everything in flight.
  virtual void shutdown() {}
  /// True while the kernel may still complete work submitted through this driver (so only
  /// its owner thread can tear it down). Any thread, when the owner is not running it.
  [[nodiscard]] virtual bool has_work_in_flight() const noexcept { return false; }
  /// Returns `this` as the driver type named by `tag`, or null (a cheap checked downcast
  /// for layers that add driver types).
  virtual void* downcast(const void* tag) noexcept {
    (void)tag;
    return nullptr;
  }
};

/// What a driver factory learns about the thread it serves.
struct driver_config {
  /// Worker index, or -1 for a block_on thread.
  int worker = -1;
  unsigned sq_entries = 256;
  unsigned cq_entries = 0;  // 0: the kernel default (2 × sq)
  /// The thread runs a current-thread runtime: a paused clock may auto-advance when idle.
  bool auto_advance = false;
};

/// Builds the driver for one worker or block_on thread.
using driver_factory = std::function<std::unique_ptr<driver>(const driver_config&)>;

namespace detail {

/// The driver without I/O: a futex parker with timeouts.
///
/// Protocol: state_ is empty, parked or notified, as in task/parker.hpp.
class park_driver final : public driver {
public:
  void park(std::optional<std::chrono::nanoseconds> timeout) override {
    std::uint32_t expected = notified;
    // acquire: consuming a notification makes the unparker's writes visible.
    if (state_.compare_exchange_strong(expected, empty, memory_order_acquire)) return;
    if (timeout && timeout->count() <= 0) return;
    expected = empty;
    if (!state_.compare_exchange_strong(expected, parked, memory_order_acquire)) {
      state_.store(empty, memory_order_relaxed);  // it was notified in between: consume
      return;
    }
    // A plain time_point and a flag, not an optional<time_point>: g++ 12 at -O1 (the
    // sanitizer presets) warns that the optional's value may be used uninitialized.
    const bool timed = timeout.has_value();
    const auto deadline =
        std::chrono::steady_clock::now() + (timed ? *timeout : std::chrono::nanoseconds::zero());
    for (;;) {
      std::optional<std::chrono::nanoseconds> left;
      if (timed) {
        left = deadline - std::chrono::steady_clock::now();
        if (left->count() <= 0) break;
      }
      futex_wait(state_, parked, left);
      if (state_.load(memory_order_acquire) == notified) break;
    }
    // acquire: as above. Either notified (consume it) or timed out (back to empty).
    state_.exchange(empty, memory_order_acquire);
  }

  void unpark() noexcept override {
    // release: publishes the unparker's writes to the parked thread.
    if (state_.exchange(notified, memory_order_release) == parked) futex_wake(state_);
  }

private:
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked = 1;
  static constexpr std::uint32_t notified = 2;
  atomic<std::uint32_t> state_{empty};
};

/// The factory used when the builder names none: set by weft/io/ when the reactor is
/// included (every translation unit that includes <weft/weft.hpp> registers it), otherwise
/// the futex park_driver.
inline driver_factory& default_driver_factory() {
  static driver_factory f = [](const driver_config&) -> std::unique_ptr<driver> {
    return std::make_unique<park_driver>();
  };
  return f;
}

} // namespace detail
} // namespace weft
