// weft/detail/spin_lock.hpp: spin_lock, a test-and-test-and-set lock for critical sections
// of a few instructions that are almost never contended (an op's completion fields, a timer
// node, an owned-task shard). Not for anything that may block or run user code.
#pragma once

#include "weft/detail/atomic.hpp"

namespace weft::detail {

/// A minimal spin lock (BasicLockable).
///
/// Thread safety: any thread. Never hold it across a call that may block or re-enter.
class spin_lock {
public:
  void lock() noexcept {
    // acquire: pairs with unlock's release, so critical sections are ordered.
    while (flag_.exchange(true, memory_order_acquire)) {
      // relaxed: only a hint to retry the exchange above, which does the ordering.
      while (flag_.load(memory_order_relaxed)) spin_pause();
    }
  }
  [[nodiscard]] bool try_lock() noexcept {
    // acquire: as in lock().
    return !flag_.load(memory_order_relaxed) && !flag_.exchange(true, memory_order_acquire);
  }
  void unlock() noexcept {
    // release: publishes the critical section to the next lock()'s acquire.
    flag_.store(false, memory_order_release);
  }

private:
  atomic<bool> flag_{false};
};

} // namespace weft::detail
