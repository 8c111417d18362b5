// weft/sync/detail/asymmetric_fence.hpp: home_thread, the asymmetric fence behind the
// channels' same-thread fast path.
//
// A wake-up hand-off is a Dekker pair: one side publishes (a value, a freed slot) and then
// looks for a parked peer; the peer marks itself parked and then looks again for the value.
// Both sides need a StoreLoad barrier between their store and their load, which costs a
// locked instruction (~5–10 ns here) on every message. An asymmetric fence moves that cost
// to the rare side: the frequent side (publishing, on the channel's home thread) uses only a
// compiler barrier; the rare side (parking, on any other thread) calls
// membarrier(PRIVATE_EXPEDITED), which runs a full barrier on every CPU currently running a
// thread of this process, so the home thread's pending stores become visible before the
// parker looks again (the scheme of liburcu and folly's asymmetric barriers).
//
// Protocol (per channel):
// - `home` is fixed at construction (the constructing thread's tag). A party running on the
//   home thread is "light"; any other party is "heavy" and uses full fences.
// - two parties on the home thread run one after the other, so program order orders them.
// - `light_seen`: a light party sets it (seq_cst) and then fences before its first light
//   operation; a heavy parker reads it after its own seq_cst store, and calls membarrier
//   only when it is set. If the parker read false, the light party's store (and every light
//   operation after its fence) comes later in the seq_cst order, so those operations see
//   the parker's store.
// - builds with hooked atomics (model checker, chaos) and kernels without membarrier have no
//   light parties: every party fences.
#pragma once

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "weft/detail/atomic.hpp"

namespace weft::sync::detail {

/// An address unique to the calling thread.
inline const void* this_thread_tag() noexcept {
  static thread_local const char tag = 0;
  return &tag;
}

/// True when membarrier(PRIVATE_EXPEDITED) is registered for this process.
inline bool asymmetric_fence_available() noexcept {
  if constexpr (::weft::detail::shim_hooked) {
    return false;
  } else {
    static const bool ok = [] {
      // Kernel ≥ 4.14: MEMBARRIER_CMD_PRIVATE_EXPEDITED needs this registration once.
      return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    }();
    return ok;
  }
}

/// The heavy half: a full barrier on every CPU running this process.
inline void heavy_fence() noexcept {
  if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
    ::weft::detail::seq_cst_fence();  // unreachable once registered; stay correct anyway
  }
}

/// The light half: orders the compiler only (the heavy side's membarrier orders the CPU).
inline void light_fence() noexcept { asm volatile("" ::: "memory"); }

/// A channel's home thread and its light/heavy decisions (see the protocol).
class home_thread {
public:
  home_thread() noexcept
      : home_(asymmetric_fence_available() ? this_thread_tag() : nullptr) {}

  /// True when the caller may use light_fence() (it runs on the home thread).
  [[nodiscard]] bool is_light() noexcept {
    if (home_ != this_thread_tag()) return false;
    // relaxed: a stale false only repeats the one-time seq_cst publication below.
    if (!light_seen_.load(::weft::detail::memory_order_relaxed)) {
      light_seen_.store(true, ::weft::detail::memory_order_seq_cst);
      ::weft::detail::seq_cst_fence();
    }
    return true;
  }
  /// The fence between a publishing store and the load that looks for a parked peer.
  void publish_fence(bool light) noexcept {
    if (light) {
      light_fence();
    } else {
      ::weft::detail::seq_cst_fence();
    }
  }
  /// The fence a parker runs after marking itself parked and before looking again.
  /// Preconditions: the parked mark was a seq_cst store or RMW.
  void park_fence(bool light) noexcept {
    if (light) return;  // same thread as every other light party: program order suffices
    ::weft::detail::seq_cst_fence();
    if (light_seen_.load(::weft::detail::memory_order_seq_cst)) heavy_fence();
  }

private:
  const void* home_;
  ::weft::detail::atomic<bool> light_seen_{false};
};

} // namespace weft::sync::detail
