// weft/detail/atomic.hpp: the atomics shim. Every concurrent weft file gets its atomics
// from here (the only <atomic> include in weft), so a checking build can swap them for
// instrumented ones and a chaos build can inject yields at interleaving points.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "weft/config.hpp"

namespace weft::detail {

using std::atomic;
using std::atomic_thread_fence;
using std::memory_order;
using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;

/// A full (seq_cst) fence, for Dekker-style "publish, then check the other side" pairs.
/// ThreadSanitizer does not model fences, so its builds use a seq_cst RMW on one shared word
/// instead, which orders the same way and which it understands.
inline void seq_cst_fence() noexcept {
#ifdef WEFT_TSAN
  static atomic<int> word{0};
  word.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

/// Pause hint for spin loops.
inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// A point where an interleaving explorer (WEFT_CHAOS builds) may yield the thread.
inline void chaos_point() noexcept {
#ifdef WEFT_CHAOS
  thread_local unsigned x = 0x9e3779b9u ^ static_cast<unsigned>(
                                              reinterpret_cast<std::uintptr_t>(&x));
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  if ((x & 7u) == 0) std::this_thread::yield();
#endif
}

/// Keeps a hot atomic on its own cache line.
inline constexpr std::size_t cache_line = 64;

} // namespace weft::detail
