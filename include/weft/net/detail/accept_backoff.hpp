// weft/net/detail/accept_backoff.hpp: accept_backoff, what a listener remembers after an
// accept failed for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): the
// error went to the caller, and the next accept first sleeps a little instead of spinning on
// a listener that stays readable while the backlog is full.
//
// Protocol
// Roles: any task accepting on the listener (several may, from several workers).
// Fields: delay_ms_ (atomic): 0 when the last accept succeeded; otherwise the pause the next
//   accept takes before trying, doubled per failure up to max_ms.
// Invariants: a pause never blocks a worker (it is a weft::time::sleep); a success resets it.
#pragma once

#include <cerrno>

#include "weft/detail/atomic.hpp"

namespace weft::net::detail {

class accept_backoff {
public:
  static constexpr int first_ms = 1;
  static constexpr int max_ms = 64;

  [[nodiscard]] static bool is_exhaustion(int err) noexcept {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
  }
  /// The pause to take before the next attempt (0: none).
  [[nodiscard]] int delay_ms() const noexcept {
    // relaxed: an advisory value; no other memory is published through it.
    return delay_ms_.load(weft::detail::memory_order_relaxed);
  }
  void on_exhaustion() noexcept {
    const int d = delay_ms();
    // relaxed: as delay_ms(); a lost update between two failing acceptors only changes a
    // pause length.
    delay_ms_.store(d == 0 ? first_ms : (d * 2 > max_ms ? max_ms : d * 2),
                    weft::detail::memory_order_relaxed);
  }
  void on_success() noexcept {
    if (delay_ms() != 0) delay_ms_.store(0, weft::detail::memory_order_relaxed);  // relaxed: as above
  }

private:
  weft::detail::atomic<int> delay_ms_{0};
};

} // namespace weft::net::detail
