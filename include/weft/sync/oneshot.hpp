// weft/sync/oneshot.hpp: oneshot<T>, a channel for exactly one value: oneshot_sender<T>
// sends it once, oneshot_receiver<T> (a future) receives it, learning when the sender was
// dropped unsent; the sender can ask whether the receiver is still there.
//
// Protocol:
// - roles: one sender and one receiver, each used by one thread at a time, on any threads.
// - state (one allocation, refcounted by the two ends): `value`, `tx_live` (the sender may
//   still send), `rx_live` (the receiver exists and did not close), and the two parked
//   wakers. Every field except `refs` is guarded by the state's spin lock.
// - send stores the value and clears tx_live; the sender's destructor clears tx_live; both
//   take the receiver's waker out under the lock and wake it after unlocking. The
//   receiver's close/destructor clears rx_live and wakes the sender's `closed()` waker.
// - refs: acq_rel decrement; the end that drops it to zero destroys the state.
// Invariants: (1) a value is stored at most once; (2) once tx_live is false no value appears
// unless it is already there; (3) a parked end always has a waker stored under the lock
// before it returns pending, and the other end reads it under the same lock, so no wake is
// lost.
#pragma once

#include <optional>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/sync/detail/waiter_list.hpp"
#include "weft/sync/send_result.hpp"

namespace weft::sync {

namespace detail {
template <class T> struct oneshot_state {
  lock_type lock;
  std::optional<T> value;
  bool tx_live = true;
  bool rx_live = true;
  std::optional<::weft::waker> rx_waker;
  std::optional<::weft::waker> tx_waker;
  ::weft::detail::atomic<int> refs{2};

  void release() noexcept {
    // acq_rel: the last end must see the other end's writes (the value) before deleting.
    if (refs.fetch_sub(1, ::weft::detail::memory_order_acq_rel) == 1) delete this;
  }
};
} // namespace detail

template <class T> class oneshot_receiver;

/// The sending end of a oneshot<T>. Move-only.
///
/// Thread safety: one sender object is used by one thread at a time; it may move threads.
template <class T> class oneshot_sender {
public:
  oneshot_sender(oneshot_sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  oneshot_sender& operator=(oneshot_sender&& o) noexcept {
    if (this != &o) {
      drop();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  oneshot_sender(const oneshot_sender&) = delete;
  oneshot_sender& operator=(const oneshot_sender&) = delete;
  /// Dropping an unsent sender tells the receiver (it then gets nullopt).
  ~oneshot_sender() { drop(); }

  /// Sends the value; the sender is spent afterwards (valid() is false).
  ///
  /// Preconditions: valid().
  /// Errors: when the receiver is gone or closed, the value comes back (send_failure::closed).
  send_result<T> send(T value) {
    WEFT_ASSERT(s_ != nullptr, "oneshot_sender::send on a spent sender");
    auto* s = std::exchange(s_, nullptr);
    std::optional<::weft::waker> w;
    {
      detail::waiter_guard g(s->lock);
      if (!s->rx_live) {
        s->tx_live = false;
        g.unlock();
        s->release();
        return send_result<T>(std::move(value), send_failure::closed);
      }
      s->value.emplace(std::move(value));
      s->tx_live = false;
      w.swap(s->rx_waker);
    }
    if (w) std::move(*w).wake();
    s->release();
    return {};
  }

  /// True when the receiver is gone or closed (a send would fail).
  [[nodiscard]] bool is_closed() const {
    if (s_ == nullptr) return true;
    detail::waiter_guard g(s_->lock);
    return !s_->rx_live;
  }

  /// A future that completes when the receiver is dropped or closes.
  ///
  /// Cancellation: cancel-safe (dropping it only forgets the parked waker).
  /// Preconditions: valid(), and the sender outlives the future.
  class closed_future {
  public:
    explicit closed_future(detail::oneshot_state<T>* s) noexcept : s_(s) {}
    ::weft::poll<void> poll(context& cx) {
      detail::waiter_guard g(s_->lock);
      if (!s_->rx_live) return ready();
      if (s_->tx_waker) {
        s_->tx_waker->clone_from(cx.waker());
      } else {
        s_->tx_waker.emplace(cx.waker());
      }
      return pending;
    }

  private:
    detail::oneshot_state<T>* s_;
  };
  [[nodiscard]] closed_future closed() noexcept {
    WEFT_ASSERT(s_ != nullptr, "oneshot_sender::closed on a spent sender");
    return closed_future(s_);
  }

  /// False once the value was sent (or the sender moved from).
  [[nodiscard]] bool valid() const noexcept { return s_ != nullptr; }

private:
  template <class U> friend struct oneshot;
  explicit oneshot_sender(detail::oneshot_state<T>* s) noexcept : s_(s) {}

  void drop() noexcept {
    if (s_ == nullptr) return;
    auto* s = std::exchange(s_, nullptr);
    std::optional<::weft::waker> w;
    {
      detail::waiter_guard g(s->lock);
      s->tx_live = false;
      w.swap(s->rx_waker);
    }
    if (w) std::move(*w).wake();
    s->release();
  }

  detail::oneshot_state<T>* s_;
};

/// The receiving end of a oneshot<T>; a future whose output is the value, or nullopt when
/// the sender was dropped without sending (or the receiver closed before a send).
///
/// Cancellation: cancel-safe: dropping a pending poll loses nothing; the value stays in the
/// channel until received (or until the receiver itself is destroyed).
/// Thread safety: polled by one thread at a time.
template <class T> class oneshot_receiver {
public:
  oneshot_receiver(oneshot_receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  oneshot_receiver& operator=(oneshot_receiver&& o) noexcept {
    if (this != &o) {
      drop();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  oneshot_receiver(const oneshot_receiver&) = delete;
  oneshot_receiver& operator=(const oneshot_receiver&) = delete;
  ~oneshot_receiver() { drop(); }

  /// Ready with the value, or with nullopt once the sender is gone without sending.
  /// Preconditions: not yet completed.
  ::weft::poll<std::optional<T>> poll(context& cx) {
    WEFT_ASSERT(s_ != nullptr, "oneshot_receiver polled after completion");
    detail::waiter_guard g(s_->lock);
    if (s_->value) {
      std::optional<T> v(std::move(*s_->value));
      s_->value.reset();
      g.unlock();
      finish();
      return ::weft::poll<std::optional<T>>(std::in_place, std::move(v));
    }
    if (!s_->tx_live) {
      g.unlock();
      finish();
      return ::weft::poll<std::optional<T>>(std::in_place, std::nullopt);
    }
    if (s_->rx_waker) {
      s_->rx_waker->clone_from(cx.waker());
    } else {
      s_->rx_waker.emplace(cx.waker());
    }
    return pending;
  }

  /// Takes the value if it is there: value, empty (sender still live) or disconnected.
  try_recv_result<T> try_recv() {
    if (s_ == nullptr) return try_recv_result<T>(try_recv_status::disconnected);
    detail::waiter_guard g(s_->lock);
    if (s_->value) {
      T v(std::move(*s_->value));
      s_->value.reset();
      g.unlock();
      finish();
      return try_recv_result<T>(std::move(v));
    }
    return try_recv_result<T>(s_->tx_live ? try_recv_status::empty
                                          : try_recv_status::disconnected);
  }

  /// Refuses the value from now on: a later send fails and gives its value back; a value
  /// sent before close can still be received. Wakes the sender's closed().
  void close() {
    if (s_ == nullptr) return;
    std::optional<::weft::waker> w;
    {
      detail::waiter_guard g(s_->lock);
      s_->rx_live = false;
      w.swap(s_->tx_waker);
    }
    if (w) std::move(*w).wake();
  }

private:
  template <class U> friend struct oneshot;
  explicit oneshot_receiver(detail::oneshot_state<T>* s) noexcept : s_(s) {}

  void finish() noexcept {
    auto* s = std::exchange(s_, nullptr);
    {
      detail::waiter_guard g(s->lock);
      s->rx_live = false;
    }
    s->release();
  }
  void drop() noexcept {
    if (s_ == nullptr) return;
    close();
    std::exchange(s_, nullptr)->release();
  }

  detail::oneshot_state<T>* s_;
};

/// A channel for one value: `auto [tx, rx] = weft::sync::oneshot<int>::channel();`
/// then `tx.send(5)` and `std::optional<int> v = co_await std::move(rx);`.
template <class T> struct oneshot {
  using sender = oneshot_sender<T>;
  using receiver = oneshot_receiver<T>;
  /// Makes a connected pair (one allocation).
  static std::pair<sender, receiver> channel() {
    auto* s = new detail::oneshot_state<T>();
    return {sender(s), receiver(s)};
  }
};

} // namespace weft::sync
