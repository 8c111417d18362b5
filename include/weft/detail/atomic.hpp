// weft/detail/atomic.hpp: the atomics shim. Every concurrent weft file gets its atomics, its
// fences, its spin/yield hints and its chaos points from here (with hooked_atomic.hpp, the
// only <atomic> include in weft), so two test builds can swap them:
//
//   (default)         plain std::atomic aliases and std fences: exactly the standard types,
//                     no wrapper, no call, no overhead.
//   WEFT_MODEL_CHECK  atomic<T> is hooked_atomic<T>: each operation, fence, spin, yield and
//                     futex wait/wake is a scheduling point of the explorer in tests/model/,
//                     and waits block in the explorer, not the kernel.
//   WEFT_CHAOS        atomic<T> is hooked_atomic<T>: each operation may yield or sleep a
//                     little, from a generator seeded by WEFT_CHAOS_SEED (chaos.hpp).
//
// Both macros must be the same in every translation unit of a program (ODR).
// Not here: futex wait/wake (futex.hpp, which routes through the same hooks).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "weft/config.hpp"
#include "weft/detail/chaos.hpp"
#include "weft/detail/shim_hooks.hpp"

#if defined(WEFT_MODEL_CHECK) || defined(WEFT_CHAOS)
#include "weft/detail/hooked_atomic.hpp"
#endif

namespace weft::detail {

#if defined(WEFT_MODEL_CHECK) || defined(WEFT_CHAOS)
template <class T> using atomic = hooked_atomic<T>;
inline void atomic_thread_fence(std::memory_order o) noexcept {
  if constexpr (shim_hooked) shim_point(nullptr, shim_op::fence);
  std::atomic_thread_fence(o);
}
#else
using std::atomic;
using std::atomic_thread_fence;
#endif
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
  if constexpr (shim_hooked) shim_point(nullptr, shim_op::fence);
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

/// Pause hint for spin loops. In a model check it tells the explorer that this thread waits
/// for another one (it runs the others first, without counting a preemption).
inline void spin_pause() noexcept {
  if constexpr (shim_hooked) shim_point(nullptr, shim_op::spin);
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Gives the processor to another thread (std::this_thread::yield), for loops that wait on
/// another thread without a futex. Like spin_pause, a model check runs the others first.
inline void thread_yield() noexcept {
  if constexpr (shim_hooked) shim_point(nullptr, shim_op::yield);
#ifndef WEFT_MODEL_CHECK
  std::this_thread::yield();
#endif
}

/// A place where a checking build may switch threads although no atomic is touched (a model
/// check's scheduling point; a chaos build's random delay). Nothing in a normal build.
inline void chaos_point() noexcept {
  if constexpr (shim_hooked) shim_point(nullptr, shim_op::chaos);
}

/// Keeps a hot atomic on its own cache line.
inline constexpr std::size_t cache_line = 64;

} // namespace weft::detail
