// weft/io/detail/mailbox.hpp: mailbox, how threads that do not own a driver's ring ask its
// owner for something: cancel an operation, unlink a timer. Requests are intrusive (they live
// in the op or timer node they name) and fire and forget: a poster never waits for an answer.
// Not here: what the owner does with them (uring_driver), waking the owner (the poster calls
// the driver's unpark after posting).
//
// Protocol
// Roles: posters (any thread) and the owner (the driver's thread; it takes and serves).
// Fields: `cancels_`, `removals_` and `closed_` are guarded by `mu_`; `pending_` is a hint
// read without the lock.
// 1. post links the request and sets pending_ (release) under mu_; the owner checks
//    has_mail() (acquire) in every turn and park, then takes both lists whole under mu_ and
//    clears the hint there, so a request posted after the take sets it again.
// 2. close() (driver shutdown) refuses later posts: post returns false and links nothing.
// Cost: one uncontended mutex per cross-thread cancel or timer drop; the owner's hot path pays
// one relaxed-cost acquire load.
#pragma once

#include <cstdint>
#include <mutex>
#include <utility>

#include "weft/detail/atomic.hpp"
#include "weft/io/timer_node.hpp"

namespace weft::io::detail {

struct op_state;

/// A request to cancel an op, embedded in the op's state.
struct cancel_request {
  cancel_request* next = nullptr;
  op_state* op = nullptr;
};

class mailbox {
public:
  /// What the owner takes in one go: two lists, newest first.
  struct mail {
    cancel_request* cancels = nullptr;
    timer_node* removals = nullptr;
  };

  /// Any thread. False when the mailbox is closed (nothing was linked).
  [[nodiscard]] bool post(cancel_request* r) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    r->next = std::exchange(cancels_, r);
    // release: pairs with has_mail's acquire (protocol 1).
    pending_.store(true, weft::detail::memory_order_release);
    return true;
  }
  [[nodiscard]] bool post(timer_node* n) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    n->removal_next = std::exchange(removals_, n);
    // release: as above.
    pending_.store(true, weft::detail::memory_order_release);
    return true;
  }

  /// Owner: a cheap check before taking the lock.
  [[nodiscard]] bool has_mail() const noexcept {
    // acquire: pairs with post's release (protocol 1).
    return pending_.load(weft::detail::memory_order_acquire);
  }

  /// Owner: takes everything posted so far.
  [[nodiscard]] mail take() {
    std::lock_guard lock(mu_);
    // relaxed: under mu_, which every post also holds (protocol 1).
    pending_.store(false, weft::detail::memory_order_relaxed);
    return mail{std::exchange(cancels_, nullptr), std::exchange(removals_, nullptr)};
  }

  /// Owner, at shutdown: later posts are refused; returns what was still queued.
  [[nodiscard]] mail close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    pending_.store(false, weft::detail::memory_order_relaxed);  // relaxed: under mu_
    return mail{std::exchange(cancels_, nullptr), std::exchange(removals_, nullptr)};
  }

private:
  std::mutex mu_;
  cancel_request* cancels_ = nullptr;
  timer_node* removals_ = nullptr;
  bool closed_ = false;
  weft::detail::atomic<bool> pending_{false};
};

} // namespace weft::io::detail
