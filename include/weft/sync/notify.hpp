// weft/sync/notify.hpp: notify, a wake-up signal between tasks: notify_one wakes one waiter
// (or stores one permit when nobody waits), notify_waiters wakes every current waiter.
//
// Protocol:
// - roles: waiters (notified() futures, any thread) and notifiers (any thread).
// - `permit_`, `waiters_` and `generation_` are written under `lock_`; `generation_` counts
//   notify_waiters calls and is also read without the lock (acquire) when a future is made.
// - notify_one: the front waiter is notified with granted = 1, or the permit is stored (at
//   most one). notify_waiters: generation + 1, every queued waiter notified with granted =
//   2; a future made before the call but not yet polled completes too (it compares
//   generations), as in tokio.
// - a future notified with granted = 1 and dropped before it reported ready passes the
//   notification on (notify_one again), so a select loser never swallows it.
// Invariants: (1) permit_ is set only while no waiter is queued; (2) each notify_one is
// consumed by exactly one waiter or one permit.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "weft/core/future.hpp"
#include "weft/sync/detail/waiter_list.hpp"

namespace weft::sync {

/// Task-to-task wake-ups: `co_await n.notified();` / `n.notify_one();`.
///
/// Thread safety: any thread.
class notify {
public:
  notify() = default;
  notify(const notify&) = delete;
  notify& operator=(const notify&) = delete;
  ~notify() { WEFT_ASSERT(waiters_.empty(), "notify destroyed with waiters queued"); }

  /// The future returned by notified().
  class notified_future {
  public:
    explicit notified_future(notify* n) noexcept
        // acquire: pairs with notify_waiters' release increment.
        : n_(n), gen_(n->generation_.load(::weft::detail::memory_order_acquire)) {}
    /// Preconditions: `o` was never polled.
    notified_future(notified_future&& o) noexcept : n_(o.n_), gen_(o.gen_) {
      WEFT_ASSERT(!o.queued_, "moved a polled notified future");
    }
    notified_future(const notified_future&) = delete;
    notified_future& operator=(const notified_future&) = delete;
    ~notified_future() {
      if (queued_) n_->abandon(w_);
    }
    ::weft::poll<void> poll(context& cx) {
      if (queued_) {
        if (!w_.is_notified() && n_->refresh(w_, cx.waker())) return pending;
        queued_ = false;
        return ready();
      }
      if (n_->take_or_queue(w_, gen_, cx.waker())) return ready();
      queued_ = true;
      return pending;
    }

  private:
    notify* n_;
    std::uint64_t gen_;
    detail::waiter w_;
    bool queued_ = false;
  };

  /// Waits for a notification.
  ///
  /// Cancellation: cancel-safe: a dropped future leaves the queue; a notify_one it had
  /// already received passes to the next waiter (or back into the permit).
  /// Preconditions: the notify outlives the future.
  [[nodiscard]] notified_future notified() noexcept { return notified_future(this); }

  /// Wakes the longest-waiting waiter, or stores a permit (one at most) for the next one.
  void notify_one() {
    detail::wake_batch batch;
    detail::waiter_guard g(lock_);
    if (waiters_.empty()) {
      permit_ = true;
    } else {
      waiters_.notify_front(1, batch);
    }
  }
  /// Wakes every waiter queued now (and futures made before this call); stores no permit.
  void notify_waiters() {
    std::vector<::weft::waker> wakers;  // only this call allocates: it wakes any number
    {
      detail::waiter_guard g(lock_);
      // release: pairs with the acquire load in notified_future's constructor.
      generation_.fetch_add(1, ::weft::detail::memory_order_release);
      wakers.reserve(waiters_.size());
      while (!waiters_.empty()) {
        detail::waiter* w = waiters_.front();
        waiters_.remove(*w);
        if (w->wk) wakers.push_back(std::move(*w->wk));
        w->wk.reset();
        w->granted = 2;
        // release: as in waiter_list::mark_notified.
        w->notified.store(true, ::weft::detail::memory_order_release);
      }
    }
    for (auto& w : wakers) std::move(w).wake();
  }

private:
  bool take_or_queue(detail::waiter& w, std::uint64_t gen, const ::weft::waker& wk) {
    detail::waiter_guard g(lock_);
    // relaxed: under the lock, which orders it with notify_waiters' increment.
    if (generation_.load(::weft::detail::memory_order_relaxed) != gen) return true;
    if (permit_) {
      permit_ = false;
      return true;
    }
    w.reset();
    w.set_waker(wk);
    waiters_.push_back(w);
    return false;
  }
  bool refresh(detail::waiter& w, const ::weft::waker& wk) {
    detail::waiter_guard g(lock_);
    if (!w.linked) return false;
    w.set_waker(wk);
    return true;
  }
  void abandon(detail::waiter& w) {
    bool pass_on = false;
    {
      detail::waiter_guard g(lock_);
      if (w.linked) {
        waiters_.remove(w);
      } else {
        pass_on = w.is_notified() && w.granted == 1;
      }
    }
    if (pass_on) notify_one();
  }

  detail::lock_type lock_;
  bool permit_ = false;
  detail::waiter_list waiters_;
  ::weft::detail::atomic<std::uint64_t> generation_{0};
};

} // namespace weft::sync
