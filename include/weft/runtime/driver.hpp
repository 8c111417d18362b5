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
#include "weft/detail/park_state.hpp"
#include "weft/runtime/detail/thread_binding.hpp"
#include "weft/runtime/io_backend.hpp"

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
  /// Runtime shutdown, before the tasks' futures are dropped: cancel every operation in
  /// flight and reap the completions, so dropping them then waits for nothing. Owner thread.
  virtual void cancel_all() {}
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
  /// The backend the runtime's builder asked for (read by the I/O layer's default factory).
  io_backend backend = io_backend::automatic;
};

/// Builds the driver for one worker or block_on thread.
using driver_factory = std::function<std::unique_ptr<driver>(const driver_config&)>;

/// The driver serving the calling thread's leaf futures (a worker's, or the one lent to a
/// block_on), or null outside a runtime. Layers that add driver types downcast it.
inline driver* current_driver() noexcept { return detail::current_driver(); }

namespace detail {

/// The driver without I/O: a futex parker with timeouts (see weft/detail/park_state.hpp).
class park_driver final : public driver {
public:
  void park(std::optional<std::chrono::nanoseconds> timeout) override {
    if (state_.consume()) return;
    if (timeout && timeout->count() <= 0) return;
    if (!state_.begin_park()) return;
    // A plain time_point and a flag, not an optional<time_point>: g++ 12 at -O1 (the
    // sanitizer presets) warns that the optional's value may be used uninitialized.
    const bool timed = timeout.has_value();
    const auto deadline =
        std::chrono::steady_clock::now() + (timed ? *timeout : std::chrono::nanoseconds::zero());
    while (state_.load() == park_state::parked) {
      std::optional<std::chrono::nanoseconds> left;
      if (timed) {
        left = deadline - std::chrono::steady_clock::now();
        if (left->count() <= 0) break;
      }
      futex_wait(state_.word(), park_state::parked, left);
    }
    state_.end_park();  // notified (consumed) or timed out: EMPTY again
  }

  void unpark() noexcept override {
    if (state_.notify()) futex_wake(state_.word());
  }

private:
  park_state state_;
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
