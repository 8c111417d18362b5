// weft/detail/futex.hpp: futex(2) wait and wake on a 32-bit atomic word, with a timeout.
// The primitive under every parker in weft (thread_parker, park_driver, cross-thread waits).
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
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout) {
    const auto ns = timeout->count() < 0 ? 0 : timeout->count();
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    tsp = &ts;
  }
  // Safety: std::atomic<uint32_t> has the size and alignment of uint32_t (lock-free).
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, tsp,
            nullptr, 0);
}

/// Wakes up to `n` threads sleeping in futex_wait on `word`.
inline void futex_wake(atomic<std::uint32_t>& word, int n = 1) noexcept {
  // Safety: as in futex_wait.
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, n, nullptr,
            nullptr, 0);
}

} // namespace weft::detail
