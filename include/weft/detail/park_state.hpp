// weft/detail/park_state.hpp: park_state, the three-state word behind every parker in weft
// (thread_parker, the futex park_driver, the io_uring driver): EMPTY, PARKED or NOTIFIED.
// Only the owner parks; any thread notifies. The owner sleeps by whatever means it has (a
// futex on word(), an io_uring wait); this class only decides who must wake whom.
//
// Protocol
// - notify(): exchange(NOTIFIED); returns true if the old state was PARKED, i.e. the owner
//   is (or is about to be) asleep and the caller must wake it physically.
// - owner: consume() turns NOTIFIED into EMPTY (a pending notification: do not sleep);
//   begin_park() turns EMPTY into PARKED, failing (and consuming) when a notification came in
//   between; after sleeping, end_park() puts EMPTY back.
// Invariant: a notify that happens-before begin_park makes begin_park fail, and a notify
// after a successful begin_park returns true, so its caller wakes the sleeper: no wake-up is
// lost, because every transition is an RMW on the one word.
#pragma once

#include <cstdint>

#include "weft/detail/atomic.hpp"

namespace weft::detail {

class park_state {
public:
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked = 1;
  static constexpr std::uint32_t notified = 2;

  /// Any thread. True when the owner was parked and needs a physical wake.
  [[nodiscard]] bool notify() noexcept {
    // release: publishes the notifier's writes (the event) to the owner's acquire in
    // consume / begin_park / end_park.
    return word_.exchange(notified, memory_order_release) == parked;
  }

  /// Owner. Consumes a pending notification; true if there was one.
  [[nodiscard]] bool consume() noexcept {
    std::uint32_t expected = notified;
    // acquire: pairs with notify's release; the notifier's writes are visible after it.
    return word_.compare_exchange_strong(expected, empty, memory_order_acquire,
                                         memory_order_relaxed);
  }

  /// Owner. Announces that it is going to sleep. False when a notification arrived first
  /// (it is consumed: do not sleep).
  [[nodiscard]] bool begin_park() noexcept {
    std::uint32_t expected = empty;
    // acquire on failure too: the failing value is NOTIFIED, whose writes we must see.
    if (word_.compare_exchange_strong(expected, parked, memory_order_acquire,
                                      memory_order_acquire))
      return true;
    // relaxed: only the owner writes EMPTY; the acquire above already synchronized.
    word_.store(empty, memory_order_relaxed);
    return false;
  }

  /// Owner, after sleeping (woken or timed out). True if a notification came.
  bool end_park() noexcept {
    // acquire: pairs with notify's release.
    return word_.exchange(empty, memory_order_acquire) == notified;
  }

  /// Owner: the state now (for a futex wait loop: sleep while it is PARKED).
  [[nodiscard]] std::uint32_t load() const noexcept {
    // acquire: pairs with notify's release when it reads NOTIFIED.
    return word_.load(memory_order_acquire);
  }

  /// The word itself, for futex_wait / futex_wake.
  atomic<std::uint32_t>& word() noexcept { return word_; }

private:
  atomic<std::uint32_t> word_{empty};
};

} // namespace weft::detail
