// weft/sync/semaphore.hpp: semaphore, an async counting semaphore with FIFO-fair waiters
// (acquire, acquire_many, try_acquire, close), and semaphore_permit, the guard that returns
// its permits on scope exit. mutex and rwlock are built on it.
//
// Protocol:
// - roles: acquirers (futures, any thread), releasers (permit guards, add_permits), close.
// - `permits_`, `closed_` and `waiters_` are guarded by `lock_` (waiter_list.hpp protocol).
// - FIFO: a new acquirer takes permits at once only when nobody is queued; release hands
//   permits to queued waiters front first, each whole (`need`), so a large request at the
//   front is never overtaken (no starvation of writers in rwlock).
// - a waiter handed its permits (`granted` = 1) owns them from then on; if its future is
//   dropped before it returned them to the caller, its destructor releases them again
//   (pass-on), so nothing meant for someone else is swallowed. close() notifies every
//   waiter with `granted` = 0.
// - a waiter removed from the front unblocks the ones behind it: removal re-runs the hand-
//   out loop.
// Invariants: (1) permits are only handed to the front waiter while permits_ >= its need;
// (2) every granted permit returns exactly once (permit guard, forget is explicit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/sync/detail/waiter_list.hpp"

namespace weft::sync {

class semaphore;

/// Permits taken from a semaphore; returns them when destroyed. Move-only.
class semaphore_permit {
public:
  semaphore_permit(semaphore* s, std::size_t n) noexcept : s_(s), n_(n) {}
  semaphore_permit(semaphore_permit&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  semaphore_permit& operator=(semaphore_permit&& o) noexcept;
  semaphore_permit(const semaphore_permit&) = delete;
  semaphore_permit& operator=(const semaphore_permit&) = delete;
  ~semaphore_permit();

  /// How many permits this guard holds.
  [[nodiscard]] std::size_t count() const noexcept { return n_; }
  /// Keeps the permits taken for good (they are not returned).
  void forget() noexcept {
    s_ = nullptr;
    n_ = 0;
  }

private:
  semaphore* s_;
  std::size_t n_;
};

/// An async counting semaphore.
///
/// Thread safety: every member may be called from any thread.
class semaphore {
public:
  /// The largest permit count a semaphore holds.
  static constexpr std::size_t max_permits = std::size_t{1} << 60;

  explicit semaphore(std::size_t permits) noexcept : permits_(permits) {}
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;
  ~semaphore() { WEFT_ASSERT(waiters_.empty(), "semaphore destroyed with waiters queued"); }

  /// The future returned by acquire(): a permit guard, or nullopt once the semaphore closed.
  class acquire_future {
  public:
    acquire_future(semaphore* s, std::size_t n) noexcept : s_(s) { w_.need = n; }
    /// Preconditions: `o` was never polled.
    acquire_future(acquire_future&& o) noexcept : s_(o.s_) {
      WEFT_ASSERT(!o.queued_, "moved a polled acquire future");
      w_.need = o.w_.need;
    }
    acquire_future(const acquire_future&) = delete;
    acquire_future& operator=(const acquire_future&) = delete;
    ~acquire_future() {
      if (queued_) s_->abandon(w_);
    }

    ::weft::poll<std::optional<semaphore_permit>> poll(context& cx) {
      using out = ::weft::poll<std::optional<semaphore_permit>>;
      if (queued_) {
        if (!w_.is_notified()) {
          if (s_->refresh(w_, cx.waker())) return pending;
        }
        queued_ = false;
        if (w_.granted == 0) return out(std::in_place, std::nullopt);
        return out(std::in_place, semaphore_permit(s_, w_.need));
      }
      switch (s_->acquire_or_queue(w_, cx.waker())) {
      case outcome::acquired:
        return out(std::in_place, semaphore_permit(s_, w_.need));
      case outcome::closed:
        return out(std::in_place, std::nullopt);
      case outcome::queued:
        queued_ = true;
        return pending;
      }
      return pending;
    }

  private:
    semaphore* s_;
    detail::waiter w_;
    bool queued_ = false;
  };

  /// Waits for one permit. See acquire_many.
  [[nodiscard]] acquire_future acquire() noexcept { return acquire_future(this, 1); }
  /// Waits until `n` permits can be taken together, in FIFO order with other waiters;
  /// nullopt once the semaphore is closed.
  ///
  /// Cancellation: cancel-safe: a dropped acquire holds nothing and leaves the queue; if
  /// permits were already handed to it, they go back (to the next waiter).
  /// Preconditions: 0 < n <= max_permits; the semaphore outlives the future and permits.
  [[nodiscard]] acquire_future acquire_many(std::size_t n) noexcept {
    WEFT_ASSERT(n > 0 && n <= max_permits, "acquire_many: bad permit count");
    return acquire_future(this, n);
  }

  /// Takes `n` permits now if they are free and nobody is queued (no barging past waiters).
  std::optional<semaphore_permit> try_acquire(std::size_t n = 1) {
    detail::waiter_guard g(lock_);
    if (closed_ || !waiters_.empty() || permits_ < n) return std::nullopt;
    permits_ -= n;
    return semaphore_permit(this, n);
  }

  /// Adds `n` permits (hands them to queued waiters first, front first).
  void add_permits(std::size_t n) {
    detail::wake_batch batch;
    detail::waiter_guard g(lock_);
    permits_ += n;
    hand_out(batch);
  }
  /// Wakes every waiter with nullopt; later acquires fail; permits still held stay valid.
  void close() {
    for (bool more = true; more;) {
      detail::wake_batch batch;
      detail::waiter_guard g(lock_);
      closed_ = true;
      while (!waiters_.empty() && !batch.full()) waiters_.notify_front(0, batch);
      more = !waiters_.empty();
    }
  }
  [[nodiscard]] bool is_closed() const {
    detail::waiter_guard g(lock_);
    return closed_;
  }
  [[nodiscard]] std::size_t available_permits() const {
    detail::waiter_guard g(lock_);
    return permits_;
  }

private:
  friend class semaphore_permit;
  enum class outcome { acquired, queued, closed };

  outcome acquire_or_queue(detail::waiter& w, const ::weft::waker& wk) {
    detail::waiter_guard g(lock_);
    if (closed_) return outcome::closed;
    if (waiters_.empty() && permits_ >= w.need) {
      permits_ -= w.need;
      return outcome::acquired;
    }
    w.reset();
    w.set_waker(wk);
    waiters_.push_back(w);
    return outcome::queued;
  }
  bool refresh(detail::waiter& w, const ::weft::waker& wk) {
    detail::waiter_guard g(lock_);
    if (!w.linked) return false;
    w.set_waker(wk);
    return true;
  }
  void abandon(detail::waiter& w) {
    detail::wake_batch batch;
    detail::waiter_guard g(lock_);
    if (w.linked) {
      waiters_.remove(w);
    } else if (w.is_notified() && w.granted == 1) {
      permits_ += w.need;  // handed over but never taken: pass it on
    }
    hand_out(batch);
  }
  void hand_out(detail::wake_batch& batch) {
    while (!waiters_.empty() && permits_ >= waiters_.front()->need && !batch.full()) {
      permits_ -= waiters_.front()->need;
      waiters_.notify_front(1, batch);
    }
    // A full batch: the rest are handed out by the next release (each release runs this).
    // Loop once more after waking so a long queue is never left behind.
    if (batch.full() && !waiters_.empty() && permits_ >= waiters_.front()->need) {
      lock_.unlock();
      batch.wake_all();
      lock_.lock();
      hand_out(batch);
    }
  }
  void release(std::size_t n) { add_permits(n); }

  mutable detail::lock_type lock_;
  std::size_t permits_;
  bool closed_ = false;
  detail::waiter_list waiters_;
};

inline semaphore_permit& semaphore_permit::operator=(semaphore_permit&& o) noexcept {
  if (this != &o) {
    if (s_ != nullptr && n_ > 0) s_->release(n_);
    s_ = std::exchange(o.s_, nullptr);
    n_ = std::exchange(o.n_, 0);
  }
  return *this;
}
inline semaphore_permit::~semaphore_permit() {
  if (s_ != nullptr && n_ > 0) s_->release(n_);
}

} // namespace weft::sync
