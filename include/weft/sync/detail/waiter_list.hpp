// weft/sync/detail/waiter_list.hpp: waiter and waiter_list, the intrusive FIFO queue of
// parked futures behind every weft::sync primitive (semaphore, notify, barrier, broadcast,
// watch, mpsc senders). Also waiter_guard, the scoped lock the primitives take around it.
// Not here: what a notification means (a permit, a value, "try again"); each primitive
// decides that and documents how a dropped, already-notified waiter passes it on.
//
// Protocol:
// - roles: the owner (the future that embeds the waiter; polled by one thread at a time,
//   destroyed by that thread) and notifiers (any thread, inside the primitive).
// - the list and every waiter field except `notified` are guarded by the primitive's
//   spin_lock; the list never allocates (nodes live inside the futures).
// - a notifier, under the lock: unlinks the waiter (pop_front or remove), moves its waker
//   out, writes the primitive's payload fields (`granted`), then stores `notified = true`
//   (release). It wakes the moved-out waker after unlocking, so no user code runs under
//   the lock.
// - the owner may read `notified` without the lock (acquire, pairs with that store): once
//   it is true the waiter is unlinked and no notifier touches it again, so the owner may
//   read `granted` and reuse or destroy the node without locking.
// Invariants: (1) a waiter is linked iff `linked`; (2) a linked waiter has a waker;
// (3) `notified` goes false → true once per enqueue, only while unlinking under the lock;
// (4) a waiter is destroyed unlinked (its owner's destructor unlinks it under the lock, or
// hands its notification on when it was notified but never consumed it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/spin_lock.hpp"

namespace weft::sync::detail {

/// One parked future. Embedded in the future; never copied or moved while linked.
struct waiter {
  waiter* prev = nullptr;
  waiter* next = nullptr;
  std::optional<::weft::waker> wk;
  bool linked = false;
  /// What the waiter asks for (semaphore permits; unused elsewhere).
  std::size_t need = 0;
  /// What the notifier handed over (permits, a generation, a kind of notification).
  std::uint64_t granted = 0;
  /// Set by the notifier under the lock, after every other field (see the protocol).
  ::weft::detail::atomic<bool> notified{false};

  waiter() = default;
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;

  /// Stores (a clone of) the context's waker, skipping the clone when it wakes the same
  /// task. Preconditions: the primitive's lock is held, or the waiter is not linked.
  void set_waker(const ::weft::waker& w) {
    if (wk) {
      wk->clone_from(w);
    } else {
      wk.emplace(w);
    }
  }
  /// True once a notifier handed this waiter its notification (acquire: see protocol).
  [[nodiscard]] bool is_notified() const noexcept {
    // acquire: pairs with the release store in mark_notified, so `granted` is visible.
    return notified.load(::weft::detail::memory_order_acquire);
  }
  /// Clears the notification so the node can be queued again. Preconditions: not linked.
  void reset() noexcept {
    // relaxed: the node is not linked, so no notifier can see it until push_back (under
    // the lock, which orders this store before any notifier's read).
    notified.store(false, ::weft::detail::memory_order_relaxed);
    granted = 0;
  }
};

/// Collected wakers, woken after the lock is released. Holds a few inline; `notify_all`
/// style callers drain it in rounds.
class wake_batch {
public:
  static constexpr std::size_t capacity = 32;
  wake_batch() = default;
  wake_batch(const wake_batch&) = delete;
  wake_batch& operator=(const wake_batch&) = delete;
  ~wake_batch() { wake_all(); }

  [[nodiscard]] bool full() const noexcept { return n_ == capacity; }
  void push(std::optional<::weft::waker>&& w) {
    if (!w) return;
    slots_[n_++].emplace(std::move(*w));
    w.reset();
  }
  /// Wakes (consuming) every collected waker. Call without any lock held.
  void wake_all() {
    for (std::size_t i = 0; i < n_; ++i) {
      auto w = std::move(*slots_[i]);
      slots_[i].reset();
      std::move(w).wake();
    }
    n_ = 0;
  }

private:
  std::optional<::weft::waker> slots_[capacity];
  std::size_t n_ = 0;
};

/// An intrusive doubly linked FIFO of waiters. Not synchronized: the primitive's lock
/// guards it (see the protocol above).
class waiter_list {
public:
  waiter_list() = default;
  waiter_list(const waiter_list&) = delete;
  waiter_list& operator=(const waiter_list&) = delete;

  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] waiter* front() const noexcept { return head_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Queues `w` at the back. Preconditions: `w` is not linked and has a waker.
  void push_back(waiter& w) noexcept {
    WEFT_ASSERT(!w.linked, "waiter queued twice");
    w.prev = tail_;
    w.next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = &w;
    } else {
      head_ = &w;
    }
    tail_ = &w;
    w.linked = true;
    ++size_;
  }
  /// Unlinks `w`. Preconditions: `w` is linked in this list.
  void remove(waiter& w) noexcept {
    WEFT_ASSERT(w.linked, "removed an unlinked waiter");
    if (w.prev != nullptr) {
      w.prev->next = w.next;
    } else {
      head_ = w.next;
    }
    if (w.next != nullptr) {
      w.next->prev = w.prev;
    } else {
      tail_ = w.prev;
    }
    w.prev = w.next = nullptr;
    w.linked = false;
    --size_;
  }
  /// Unlinks the front waiter, hands it `granted`, marks it notified and moves its waker
  /// into `batch`. Preconditions: not empty.
  waiter* notify_front(std::uint64_t granted, wake_batch& batch) {
    waiter* w = head_;
    remove(*w);
    mark_notified(*w, granted, batch);
    return w;
  }
  /// Marks an unlinked waiter notified (see the protocol: waker first, flag last).
  static void mark_notified(waiter& w, std::uint64_t granted, wake_batch& batch) {
    w.granted = granted;
    batch.push(std::move(w.wk));
    // release: publishes `granted` (and the unlink) to the owner's is_notified().
    w.notified.store(true, ::weft::detail::memory_order_release);
  }

private:
  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

/// The lock every primitive takes around its waiter_list and state.
using lock_type = ::weft::detail::spin_lock;
/// Scoped holder of a lock_type.
class waiter_guard {
public:
  explicit waiter_guard(lock_type& l) noexcept : l_(&l) { l_->lock(); }
  waiter_guard(const waiter_guard&) = delete;
  waiter_guard& operator=(const waiter_guard&) = delete;
  ~waiter_guard() {
    if (l_ != nullptr) l_->unlock();
  }
  /// Releases early (before waking a batch).
  void unlock() noexcept {
    if (l_ != nullptr) std::exchange(l_, nullptr)->unlock();
  }

private:
  lock_type* l_;
};

} // namespace weft::sync::detail
