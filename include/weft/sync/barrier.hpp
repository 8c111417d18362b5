// weft/sync/barrier.hpp: barrier, which lets n tasks wait until all n have arrived; one of
// each group is told it is the leader. Reusable: the next n arrivals form the next group.
//
// Protocol:
// - roles: arriving tasks (wait() futures, any thread).
// - `arrived_`, `generation_` and `waiters_` are guarded by `lock_`. The n-th arrival of a
//   generation resets `arrived_`, bumps `generation_` and notifies every queued waiter; it
//   completes at once as the leader.
// - a waiter dropped while still queued leaves the queue and takes its arrival back, so a
//   cancelled wait never releases a group early.
// Invariants: (1) arrived_ < n between generations; (2) the queue holds arrived_ waiters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "weft/core/future.hpp"
#include "weft/sync/detail/waiter_list.hpp"

namespace weft::sync {

/// What a barrier wait reports.
struct barrier_wait_result {
  /// True for exactly one task of each group (the last to arrive).
  bool is_leader = false;
};

/// A reusable barrier for `n` tasks: `auto r = co_await b.wait();`.
///
/// Thread safety: any thread.
class barrier {
public:
  /// Preconditions: n > 0 (n == 1: every wait completes at once as leader).
  explicit barrier(std::size_t n) noexcept : n_(n) { WEFT_ASSERT(n > 0, "barrier of 0 tasks"); }
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;
  ~barrier() { WEFT_ASSERT(waiters_.empty(), "barrier destroyed with waiters queued"); }

  /// The future returned by wait().
  class wait_future {
  public:
    explicit wait_future(barrier* b) noexcept : b_(b) {}
    /// Preconditions: `o` was never polled.
    wait_future(wait_future&& o) noexcept : b_(o.b_) {
      WEFT_ASSERT(!o.queued_, "moved a polled barrier wait");
    }
    wait_future(const wait_future&) = delete;
    wait_future& operator=(const wait_future&) = delete;
    ~wait_future() {
      if (queued_) b_->leave(w_);
    }
    ::weft::poll<barrier_wait_result> poll(context& cx) {
      if (queued_) {
        if (!w_.is_notified() && b_->refresh(w_, cx.waker())) return pending;
        queued_ = false;
        return ready(barrier_wait_result{false});
      }
      if (b_->arrive(w_, cx.waker())) return ready(barrier_wait_result{true});
      queued_ = true;
      return pending;
    }

  private:
    barrier* b_;
    detail::waiter w_;
    bool queued_ = false;
  };

  /// Arrives and waits for the rest of the group.
  ///
  /// Cancellation: a wait dropped before its group completed takes its arrival back (the
  /// group then needs another arrival); dropped after, it changes nothing.
  [[nodiscard]] wait_future wait() noexcept { return wait_future(this); }

private:
  bool arrive(detail::waiter& w, const ::weft::waker& wk) {
    std::vector<::weft::waker> wakers;
    {
      detail::waiter_guard g(lock_);
      if (++arrived_ < n_) {
        w.reset();
        w.set_waker(wk);
        waiters_.push_back(w);
        return false;
      }
      arrived_ = 0;
      ++generation_;
      wakers.reserve(waiters_.size());
      while (!waiters_.empty()) {
        detail::waiter* q = waiters_.front();
        waiters_.remove(*q);
        if (q->wk) wakers.push_back(std::move(*q->wk));
        q->wk.reset();
        // release: as in waiter_list::mark_notified.
        q->notified.store(true, ::weft::detail::memory_order_release);
      }
    }
    for (auto& x : wakers) std::move(x).wake();
    return true;
  }
  bool refresh(detail::waiter& w, const ::weft::waker& wk) {
    detail::waiter_guard g(lock_);
    if (!w.linked) return false;
    w.set_waker(wk);
    return true;
  }
  void leave(detail::waiter& w) {
    detail::waiter_guard g(lock_);
    if (!w.linked) return;
    waiters_.remove(w);
    --arrived_;
  }

  const std::size_t n_;
  detail::lock_type lock_;
  std::size_t arrived_ = 0;
  std::uint64_t generation_ = 0;
  detail::waiter_list waiters_;
};

} // namespace weft::sync
