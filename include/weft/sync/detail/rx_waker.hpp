// weft/sync/detail/rx_waker.hpp: rx_waker, the parking slot of a single consumer (an mpsc
// receiver): one stored waker that producers wake without a lock.
//
// Protocol:
// - roles: the consumer (register_waker, cancel; one thread at a time) and producers
//   (wake; any thread).
// - state: idle (0: nobody parked; only the consumer touches `waker_`), waiting (1: the
//   consumer is parked with `waker_`), waking (2: one producer owns `waker_` until it stores
//   idle again).
// - consumer: waits out `waking`; writes `waker_` only in `idle` (or after taking `waiting`
//   back to `idle` with a CAS); then stores `waiting` with a seq_cst exchange (the parked
//   mark of the Dekker pair, see asymmetric_fence.hpp) and looks at the queue again.
// - producer: after publishing, if it reads `waiting`, CAS waiting→waking (acquire: sees
//   the waker written before the consumer's exchange), wake_by_ref, store idle (release:
//   the consumer's next acquire load sees the waker is free again).
// Invariants: (1) at most one producer holds `waking`; (2) `waker_` is written only by the
// consumer, in `idle`; (3) the waker is kept after a wake, so re-parking the same task costs
// no clone (will_wake).
#pragma once

#include <optional>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::sync::detail {

class rx_waker {
public:
  static constexpr int idle = 0;
  static constexpr int waiting = 1;
  static constexpr int waking = 2;

  /// Stores the consumer's waker and marks it parked (seq_cst). The caller must look at the
  /// queue again afterwards (after its park fence).
  void register_waker(const ::weft::waker& w) {
    for (;;) {
      // acquire: pairs with wake's release store of idle, so the producer is done with
      // `waker_` before we overwrite it.
      int s = state_.load(::weft::detail::memory_order_acquire);
      if (s == waking) {
        ::weft::detail::spin_pause();
        continue;
      }
      if (s == waiting) {
        if (waker_ && waker_->will_wake(w)) return;  // already parked with this waker
        int expected = waiting;
        // acquire: on success we own `waker_` again (no producer can take it now).
        if (!state_.compare_exchange_strong(expected, idle, ::weft::detail::memory_order_acquire))
          continue;
      }
      if (waker_) {
        waker_->clone_from(w);
      } else {
        waker_.emplace(w);
      }
      state_.exchange(waiting, ::weft::detail::memory_order_seq_cst);
      return;
    }
  }
  /// Takes the parked mark back when the consumer found a value after all (saves a
  /// spurious wake). Harmless when a producer is already waking it.
  void cancel() noexcept {
    int expected = waiting;
    // relaxed: the consumer keeps ownership rules unchanged; a failed CAS means a producer
    // holds `waking` and will store idle itself.
    (void)state_.compare_exchange_strong(expected, idle, ::weft::detail::memory_order_relaxed);
  }
  /// Producer side: wakes the consumer if it is parked. Call after the publish fence.
  void wake() {
    // relaxed: only a filter; the CAS below does the ordering.
    if (state_.load(::weft::detail::memory_order_relaxed) != waiting) return;
    int expected = waiting;
    // acquire: pairs with register_waker's exchange, so `waker_` is the one it stored.
    if (!state_.compare_exchange_strong(expected, waking, ::weft::detail::memory_order_acquire))
      return;
    waker_->wake_by_ref();
    // release: hands `waker_` back to the consumer (its acquire load in register_waker).
    state_.store(idle, ::weft::detail::memory_order_release);
  }

private:
  ::weft::detail::atomic<int> state_{idle};
  std::optional<::weft::waker> waker_;
};

} // namespace weft::sync::detail
