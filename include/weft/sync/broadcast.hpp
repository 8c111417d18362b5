// weft/sync/broadcast.hpp: broadcast<T>, a multi-producer multi-consumer channel where every
// receiver sees every value: a ring of the last `capacity` values; senders never wait, a
// receiver that falls behind by more than the ring gets lagged(n) (n values skipped) and
// continues from the oldest value still kept.
//
// Protocol:
// - roles: senders and receivers (each object on one thread at a time; any threads).
// - shared state, all guarded by `lock_`: the ring (slot = {position, value}), `tail_` (the
//   next position), the receiver and sender counts, and the queue of receivers waiting for a
//   value. A send writes slot[tail % cap], bumps tail and notifies every queued receiver
//   (wakers woken after unlocking). A receiver reads at its own position `next_`: behind
//   tail - cap → lagged, below tail → the value (copied), at tail → queue itself (or closed
//   when no sender is left).
// - refs: senders + receivers; the last release (acq_rel) destroys the state.
// Invariants: (1) slot[p % cap] holds position p for tail - cap <= p < tail; (2) a queued
// receiver's next_ == tail at the time it queued.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "weft/core/future.hpp"
#include "weft/sync/detail/waiter_list.hpp"
#include "weft/sync/send_result.hpp"

namespace weft::sync {

/// What a broadcast receive found: a value, lagged(n) (n values were overwritten before this
/// receiver read them; the next receive continues with the oldest kept), or closed (every
/// sender is gone and this receiver has seen everything).
template <class T> class broadcast_recv_result {
public:
  enum class kind { value, lagged, closed };
  static broadcast_recv_result of(T v) { return broadcast_recv_result(std::move(v)); }
  static broadcast_recv_result lagged_by(std::uint64_t n) { return broadcast_recv_result(n); }
  static broadcast_recv_result closed_result() { return broadcast_recv_result(); }

  [[nodiscard]] kind what() const noexcept { return kind_; }
  [[nodiscard]] bool has_value() const noexcept { return kind_ == kind::value; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] bool is_lagged() const noexcept { return kind_ == kind::lagged; }
  [[nodiscard]] bool is_closed() const noexcept { return kind_ == kind::closed; }
  /// Values skipped. Preconditions: is_lagged().
  [[nodiscard]] std::uint64_t lagged() const noexcept { return lagged_; }
  /// Preconditions: has_value().
  T& operator*() noexcept { return *value_; }
  T take() { return std::move(*value_); }

private:
  explicit broadcast_recv_result(T v) : value_(std::move(v)), kind_(kind::value) {}
  explicit broadcast_recv_result(std::uint64_t n) : lagged_(n), kind_(kind::lagged) {}
  broadcast_recv_result() : kind_(kind::closed) {}
  std::optional<T> value_;
  std::uint64_t lagged_ = 0;
  kind kind_;
};

namespace detail {
template <class T> struct broadcast_state {
  struct slot {
    std::uint64_t pos = 0;
    std::optional<T> value;
  };
  explicit broadcast_state(std::size_t cap) : ring(cap) {}
  lock_type lock;
  std::vector<slot> ring;
  std::uint64_t tail = 0;
  std::size_t senders = 1;
  std::size_t receivers = 1;
  waiter_list waiters;
  ::weft::detail::atomic<long> refs{2};
  void add_ref() noexcept {
    // relaxed: made from an existing reference.
    refs.fetch_add(1, ::weft::detail::memory_order_relaxed);
  }
  void release() noexcept {
    // acq_rel: the last owner sees every other owner's writes before deleting.
    if (refs.fetch_sub(1, ::weft::detail::memory_order_acq_rel) == 1) delete this;
  }
  void wake_all_locked(waiter_guard& g) {
    std::vector<::weft::waker> wakers;
    wakers.reserve(waiters.size());
    while (!waiters.empty()) {
      waiter* w = waiters.front();
      waiters.remove(*w);
      if (w->wk) wakers.push_back(std::move(*w->wk));
      w->wk.reset();
      // release: as in waiter_list::mark_notified.
      w->notified.store(true, ::weft::detail::memory_order_release);
    }
    g.unlock();
    for (auto& x : wakers) std::move(x).wake();
  }
};
} // namespace detail

template <class T> class broadcast_receiver;

/// A sending end of a broadcast<T>. Copying makes another sender.
///
/// Thread safety: one object per thread at a time.
template <class T> class broadcast_sender {
public:
  explicit broadcast_sender(detail::broadcast_state<T>* s) noexcept : s_(s) {}
  broadcast_sender(const broadcast_sender& o) : s_(o.s_) {
    detail::waiter_guard g(s_->lock);
    ++s_->senders;
    s_->add_ref();
  }
  broadcast_sender(broadcast_sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  broadcast_sender& operator=(broadcast_sender o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~broadcast_sender() {
    if (s_ == nullptr) return;
    detail::waiter_guard g(s_->lock);
    if (--s_->senders == 0) s_->wake_all_locked(g);
    g.unlock();
    s_->release();
  }

  /// Sends to every receiver alive now; never waits (the oldest value is overwritten).
  /// Errors: closed (no receiver left), with the value back.
  send_result<T> send(T v) {
    detail::waiter_guard g(s_->lock);
    if (s_->receivers == 0) {
      g.unlock();
      return send_result<T>(std::move(v), send_failure::closed);
    }
    auto& slot = s_->ring[s_->tail % s_->ring.size()];
    slot.pos = s_->tail;
    slot.value.emplace(std::move(v));
    ++s_->tail;
    s_->wake_all_locked(g);
    return {};
  }
  /// A new receiver that sees the values sent from now on.
  broadcast_receiver<T> subscribe();
  [[nodiscard]] std::size_t receiver_count() const {
    detail::waiter_guard g(s_->lock);
    return s_->receivers;
  }

private:
  detail::broadcast_state<T>* s_;
};

/// A receiving end of a broadcast<T>. Copying makes a receiver at the same position.
///
/// Thread safety: one object per thread at a time.
template <class T> class broadcast_receiver {
public:
  broadcast_receiver(detail::broadcast_state<T>* s, std::uint64_t next) noexcept
      : s_(s), next_(next) {}
  broadcast_receiver(const broadcast_receiver& o) : s_(o.s_), next_(o.next_) {
    detail::waiter_guard g(s_->lock);
    ++s_->receivers;
    s_->add_ref();
  }
  broadcast_receiver(broadcast_receiver&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), next_(o.next_) {}
  broadcast_receiver& operator=(broadcast_receiver&&) = delete;
  broadcast_receiver& operator=(const broadcast_receiver&) = delete;
  ~broadcast_receiver() {
    if (s_ == nullptr) return;
    {
      detail::waiter_guard g(s_->lock);
      --s_->receivers;
    }
    s_->release();
  }

  /// The future returned by recv().
  class recv_future {
  public:
    explicit recv_future(broadcast_receiver* r) noexcept : r_(r) {}
    recv_future(recv_future&& o) noexcept : r_(o.r_) {
      WEFT_ASSERT(!o.queued_, "moved a polled broadcast recv");
    }
    recv_future(const recv_future&) = delete;
    recv_future& operator=(const recv_future&) = delete;
    ~recv_future() {
      if (!queued_) return;
      detail::waiter_guard g(r_->s_->lock);
      if (w_.linked) r_->s_->waiters.remove(w_);
    }
    ::weft::poll<broadcast_recv_result<T>> poll(context& cx) {
      auto* s = r_->s_;
      detail::waiter_guard g(s->lock);
      if (queued_ && w_.linked) {
        w_.set_waker(cx.waker());
        return pending;
      }
      queued_ = false;
      const std::uint64_t cap = s->ring.size();
      if (s->tail > cap && r_->next_ < s->tail - cap) {
        const std::uint64_t skipped = s->tail - cap - r_->next_;
        r_->next_ = s->tail - cap;
        return ready(broadcast_recv_result<T>::lagged_by(skipped));
      }
      if (r_->next_ < s->tail) {
        auto& slot = s->ring[r_->next_ % cap];
        ++r_->next_;
        return ready(broadcast_recv_result<T>::of(*slot.value));
      }
      if (s->senders == 0) return ready(broadcast_recv_result<T>::closed_result());
      w_.reset();
      w_.set_waker(cx.waker());
      s->waiters.push_back(w_);
      queued_ = true;
      return pending;
    }

  private:
    broadcast_receiver* r_;
    detail::waiter w_;
    bool queued_ = false;
  };

  /// Receives the next value (a copy), lagged(n), or closed.
  ///
  /// Cancellation: cancel-safe: the position advances only in the poll that completes.
  /// Preconditions: the receiver outlives the future; one recv at a time.
  [[nodiscard]] recv_future recv() noexcept { return recv_future(this); }

private:
  friend class broadcast_sender<T>;
  detail::broadcast_state<T>* s_;
  std::uint64_t next_;
};

template <class T> broadcast_receiver<T> broadcast_sender<T>::subscribe() {
  detail::waiter_guard g(s_->lock);
  ++s_->receivers;
  s_->add_ref();
  return broadcast_receiver<T>(s_, s_->tail);
}

/// `auto [tx, rx] = weft::sync::broadcast<int>::channel(16);` — T must be copyable.
template <class T> struct broadcast {
  using sender = broadcast_sender<T>;
  using receiver = broadcast_receiver<T>;
  /// Keeps the last `capacity` values. Preconditions: capacity > 0.
  static std::pair<sender, receiver> channel(std::size_t capacity) {
    WEFT_ASSERT(capacity > 0, "broadcast capacity must be at least 1");
    auto* s = new detail::broadcast_state<T>(capacity);
    return {sender(s), receiver(s, 0)};
  }
};

} // namespace weft::sync
