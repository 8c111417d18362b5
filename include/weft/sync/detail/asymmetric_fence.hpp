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
//   home thread may be "light"; any other party is "heavy" and uses full fences.
// - two parties on the home thread run one after the other, so program order orders them.
// - `light_seen`: a light party sets it (seq_cst) and then fences before its first light
//   operation; a heavy parker reads it after its own seq_cst store, and needs the
//   asymmetric fence only when it is set. If the parker read false, the light party's store
//   (and every light operation after its fence) comes later in the seq_cst order, so those
//   operations see the parker's mark.
// - `mode`: light (0) → demoting (1) → heavy (2), once. The first heavy parker that finds
//   light_seen set CASes 0→1, calls membarrier, stores 2; later heavy parkers wait for 2.
//   So a channel used across threads pays one membarrier, then behaves like a fenced one.
// - a light publish is: store; compiler barrier; load `mode`; full fence unless it read 0;
//   then load the peer's parked mark. If its store precedes (in program order) the point
//   where the membarrier interrupted the home CPU, the interrupt's barrier drained it before
//   the parker looks again; if it follows that point, the `mode` load follows it too and
//   reads 1 or 2 (stored before the membarrier), so the publisher fences itself.
// - a light parker's mark is a seq_cst RMW, itself a full barrier: it needs nothing more.
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

  /// True when the caller may publish with a light fence (it runs on the home thread and
  /// the channel was not demoted).
  [[nodiscard]] bool is_light() noexcept {
    if (home_ != this_thread_tag()) return false;
    // relaxed: a stale 0 is caught by publish_fence's second look at `mode_`.
    if (mode_.load(::weft::detail::memory_order_relaxed) != light_mode) return false;
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
      // relaxed: ordered after our store by the interrupt argument in the protocol.
      if (mode_.load(::weft::detail::memory_order_relaxed) == light_mode) return;
    }
    ::weft::detail::seq_cst_fence();
  }
  /// The fence a parker runs after marking itself parked (with a seq_cst store or RMW)
  /// and before looking again.
  void park_fence(bool light) noexcept {
    if (light) return;  // the seq_cst RMW mark is a full barrier; peers on this thread are ordered
    ::weft::detail::seq_cst_fence();
    if (!light_seen_.load(::weft::detail::memory_order_seq_cst)) return;
    int m = mode_.load(::weft::detail::memory_order_acquire);
    if (m == heavy_mode) return;
    if (m == light_mode &&
        mode_.compare_exchange_strong(m, demoting_mode, ::weft::detail::memory_order_seq_cst)) {
      heavy_fence();
      // release: parkers that read heavy_mode know the membarrier has completed.
      mode_.store(heavy_mode, ::weft::detail::memory_order_release);
      return;
    }
    // acquire: pairs with the demoter's release store after its membarrier.
    while (mode_.load(::weft::detail::memory_order_acquire) != heavy_mode)
      ::weft::detail::spin_pause();
  }

private:
  static constexpr int light_mode = 0;
  static constexpr int demoting_mode = 1;
  static constexpr int heavy_mode = 2;

  const void* home_;
  ::weft::detail::atomic<bool> light_seen_{false};
  ::weft::detail::atomic<int> mode_{light_mode};
};

} // namespace weft::sync::detail
