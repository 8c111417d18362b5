// weft/detail/futex.hpp: futex(2) wait and wake on a 32-bit atomic word, with a timeout.
// The primitive under every parker in weft (thread_parker, park_driver, cross-thread waits).
// Both go through the atomics shim's hooks: a model-check build (WEFT_MODEL_CHECK) sleeps in
// the interleaving explorer instead of the kernel, and a chaos build may delay here.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "weft/detail/atomic.hpp"

namespace weft::detail {

/// Sleeps while `word == expected`, at most `timeout` (nullopt: no limit). May return
/// spuriously; callers re-check their condition in a loop.
inline void futex_wait(atomic<std::uint32_t>& word, std::uint32_t expected,
                       std::optional<std::chrono::nanoseconds> timeout = std::nullopt) noexcept {
#ifdef WEFT_MODEL_CHECK
  // The explorer runs one thread at a time: the load is the scheduling point, and nothing
  // runs between it and going to sleep, so the check and the sleep are one step, as in the
  // kernel. A timeout passes only when no other thread can run.
  if (word.load(memory_order_relaxed) != expected) return;  // relaxed: as the kernel's check
  model_hooks::block(&word, timeout.has_value());
#else
  if constexpr (shim_hooked) shim_point(&word, shim_op::futex_wait);
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout) {
    const auto ns = timeout->count() < 0 ? 0 : timeout->count();
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    tsp = &ts;
  }
  // Safety: atomic<uint32_t> (std::atomic, or hooked_atomic holding exactly one) has the size
  // and alignment of uint32_t (lock-free).
  static_assert(sizeof(atomic<std::uint32_t>) == sizeof(std::uint32_t));
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, tsp,
            nullptr, 0);
#endif
}

/// Wakes up to `n` threads sleeping in futex_wait on `word`.
inline void futex_wake(atomic<std::uint32_t>& word, int n = 1) noexcept {
#ifdef WEFT_MODEL_CHECK
  model_hooks::point(&word, shim_op::futex_wake);
  model_hooks::wake(&word, n);
#else
  if constexpr (shim_hooked) shim_point(&word, shim_op::futex_wake);
  // Safety: as in futex_wait.
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, n, nullptr,
            nullptr, 0);
#endif
}

} // namespace weft::detail
