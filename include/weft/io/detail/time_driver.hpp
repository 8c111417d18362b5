// weft/io/detail/time_driver.hpp: time_driver, the timers of one driver: its timer wheel,
// firing what is due, and how long the owner may sleep before the next deadline (with the
// paused clock's auto-advance). Owner thread only; cross-thread timer drops reach it through
// the driver's mailbox.
// Not here: the clock itself (clock.hpp), the node's cross-thread protocol (timer_node.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "weft/io/clock.hpp"
#include "weft/io/timer_node.hpp"
#include "weft/io/detail/timer_wheel.hpp"

namespace weft::io::detail {

class time_driver {
public:
  explicit time_driver(bool auto_advance) noexcept
      : wheel_(time::detail::now_tick()), auto_advance_(auto_advance) {}
  time_driver(const time_driver&) = delete;
  time_driver& operator=(const time_driver&) = delete;
  ~time_driver() { orphan_all(); }

  /// Links `n` (its deadline set) for `owner`; the wheel takes a reference.
  void insert(timer_node* n, reactor* owner) {
    n->owner = owner;
    n->add_ref();
    wheel_.insert(n);
  }

  /// Unlinks `n` if it is still linked, dropping the wheel's reference.
  void remove(timer_node* n) noexcept {
    if (!n->is_linked()) return;
    wheel_.remove(n);
    n->release();
  }

  /// Fires every timer due by now; returns how many.
  std::size_t fire_due() {
    if (wheel_.empty()) return 0;
    return wheel_.advance(time::detail::now_tick(), [](time::detail::timer_entry* e) {
      static_cast<timer_node*>(e)->unlinked(/*orphan=*/false);
    });
  }

  /// How long the owner may sleep before a timer falls due (nullopt: no timer to wait for).
  /// With the clock paused, time moves only when advanced, so no timer limits the sleep;
  /// but when auto-advance is on and `may_advance` (nothing else can happen), the clock jumps
  /// to the next deadline and the answer is zero: fire now.
  std::optional<std::chrono::nanoseconds> until_next(bool may_advance) {
    const auto next = wheel_.next_expiration();
    if (!next) return std::nullopt;
    auto& clock = time::detail::global_clock();
    if (clock.paused()) {
      if (!auto_advance_ || !may_advance) return std::nullopt;
      clock.advance_to(time::detail::instant_of(*next));
      return std::chrono::nanoseconds::zero();
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        time::detail::instant_of(*next) - clock.now());
  }

  /// Driver shutdown: unlinks every timer, marking it orphaned (timer_node invariant 3).
  void orphan_all() noexcept {
    wheel_.clear([](time::detail::timer_entry* e) noexcept {
      static_cast<timer_node*>(e)->unlinked(/*orphan=*/true);
    });
  }

  [[nodiscard]] bool empty() const noexcept { return wheel_.empty(); }

private:
  time::detail::timer_wheel wheel_;
  bool auto_advance_;
};

} // namespace weft::io::detail
