// weft/sync/watch.hpp: watch<T>, a single-value channel: the sender replaces the value,
// receivers borrow the latest one and wait for changed().
//
// Protocol:
// - roles: one sender, any number of receivers (each object on one thread at a time).
// - `value` is guarded by the std::shared_mutex `rw` (borrow holds it shared; send holds it
//   exclusively). `version`, `sender_live`, `waiters` are guarded by `lock`; `version`
//   counts sends. A receiver remembers the version it has seen; changed() completes when
//   the version differs (and marks it seen), or reports false once the sender is gone.
// - send: write the value under rw, then under lock bump version and wake every waiter.
// - refs: sender + receivers; the last release (acq_rel) destroys the state.
#pragma once

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "weft/core/future.hpp"
#include "weft/sync/detail/waiter_list.hpp"

namespace weft::sync {

namespace detail {
template <class T> struct watch_state {
  explicit watch_state(T v) : value(std::move(v)) {}
  mutable std::shared_mutex rw;
  T value;
  lock_type lock;
  std::uint64_t version = 0;
  bool sender_live = true;
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
  void bump_and_wake(bool close) {
    std::vector<::weft::waker> wakers;
    {
      waiter_guard g(lock);
      if (close) {
        sender_live = false;
      } else {
        ++version;
      }
      wakers.reserve(waiters.size());
      while (!waiters.empty()) {
        waiter* w = waiters.front();
        waiters.remove(*w);
        if (w->wk) wakers.push_back(std::move(*w->wk));
        w->wk.reset();
        // release: as in waiter_list::mark_notified.
        w->notified.store(true, ::weft::detail::memory_order_release);
      }
    }
    for (auto& x : wakers) std::move(x).wake();
  }
};
} // namespace detail

/// Shared access to a watch's current value; holds a read lock (keep it short, never across
/// co_await: the sender's send() waits for it).
template <class T> class watch_ref {
public:
  explicit watch_ref(const detail::watch_state<T>* s) : lock_(s->rw), v_(&s->value) {}
  const T& operator*() const noexcept { return *v_; }
  const T* operator->() const noexcept { return v_; }

private:
  std::shared_lock<std::shared_mutex> lock_;
  const T* v_;
};

template <class T> class watch_receiver;

/// The sending end of a watch<T>. Move-only; dropping it ends every changed() with false.
template <class T> class watch_sender {
public:
  explicit watch_sender(detail::watch_state<T>* s) noexcept : s_(s) {}
  watch_sender(watch_sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  watch_sender& operator=(watch_sender&&) = delete;
  watch_sender(const watch_sender&) = delete;
  watch_sender& operator=(const watch_sender&) = delete;
  ~watch_sender() {
    if (s_ == nullptr) return;
    s_->bump_and_wake(true);
    s_->release();
  }

  /// Replaces the value and wakes every changed(). Returns false when no receiver is left
  /// (the value is stored anyway). Blocks the thread briefly while a borrow is held.
  bool send(T v) {
    {
      std::unique_lock lk(s_->rw);
      s_->value = std::move(v);
    }
    s_->bump_and_wake(false);
    detail::waiter_guard g(s_->lock);
    return s_->receivers > 0;
  }
  [[nodiscard]] watch_ref<T> borrow() const { return watch_ref<T>(s_); }
  /// A new receiver that has seen the current value.
  watch_receiver<T> subscribe();
  [[nodiscard]] std::size_t receiver_count() const {
    detail::waiter_guard g(s_->lock);
    return s_->receivers;
  }

private:
  detail::watch_state<T>* s_;
};

/// A receiving end of a watch<T>. Copying makes a receiver that has seen the same version.
template <class T> class watch_receiver {
public:
  watch_receiver(detail::watch_state<T>* s, std::uint64_t seen) noexcept : s_(s), seen_(seen) {}
  watch_receiver(const watch_receiver& o) : s_(o.s_), seen_(o.seen_) {
    detail::waiter_guard g(s_->lock);
    ++s_->receivers;
    s_->add_ref();
  }
  watch_receiver(watch_receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)), seen_(o.seen_) {}
  watch_receiver& operator=(watch_receiver&&) = delete;
  watch_receiver& operator=(const watch_receiver&) = delete;
  ~watch_receiver() {
    if (s_ == nullptr) return;
    {
      detail::waiter_guard g(s_->lock);
      --s_->receivers;
    }
    s_->release();
  }

  /// The current value (does not mark it seen).
  [[nodiscard]] watch_ref<T> borrow() const { return watch_ref<T>(s_); }
  /// The current value, marked seen.
  [[nodiscard]] watch_ref<T> borrow_and_update() {
    watch_ref<T> r(s_);
    detail::waiter_guard g(s_->lock);
    seen_ = s_->version;
    return r;
  }
  /// True when a value was sent that this receiver has not marked seen.
  [[nodiscard]] bool has_changed() const {
    detail::waiter_guard g(s_->lock);
    return s_->version != seen_;
  }

  /// The future returned by changed(): true on a new value (now marked seen), false once
  /// the sender is gone (and nothing new was sent).
  class changed_future {
  public:
    explicit changed_future(watch_receiver* r) noexcept : r_(r) {}
    changed_future(changed_future&& o) noexcept : r_(o.r_) {
      WEFT_ASSERT(!o.queued_, "moved a polled changed future");
    }
    changed_future(const changed_future&) = delete;
    changed_future& operator=(const changed_future&) = delete;
    ~changed_future() {
      if (!queued_) return;
      detail::waiter_guard g(r_->s_->lock);
      if (w_.linked) r_->s_->waiters.remove(w_);
    }
    ::weft::poll<bool> poll(context& cx) {
      auto* s = r_->s_;
      detail::waiter_guard g(s->lock);
      if (s->version != r_->seen_) {
        r_->seen_ = s->version;
        if (queued_ && w_.linked) s->waiters.remove(w_);
        queued_ = false;
        return ready(true);
      }
      if (!s->sender_live) {
        if (queued_ && w_.linked) s->waiters.remove(w_);
        queued_ = false;
        return ready(false);
      }
      if (queued_ && w_.linked) {
        w_.set_waker(cx.waker());
        return pending;
      }
      w_.reset();
      w_.set_waker(cx.waker());
      s->waiters.push_back(w_);
      queued_ = true;
      return pending;
    }

  private:
    watch_receiver* r_;
    detail::waiter w_;
    bool queued_ = false;
  };
  /// Waits for a value this receiver has not seen.
  ///
  /// Cancellation: cancel-safe: the seen version changes only in the poll that completes.
  [[nodiscard]] changed_future changed() noexcept { return changed_future(this); }

private:
  detail::watch_state<T>* s_;
  std::uint64_t seen_;
};

template <class T> watch_receiver<T> watch_sender<T>::subscribe() {
  detail::waiter_guard g(s_->lock);
  ++s_->receivers;
  s_->add_ref();
  return watch_receiver<T>(s_, s_->version);
}

/// `auto [tx, rx] = weft::sync::watch<config>::channel(initial);`
template <class T> struct watch {
  using sender = watch_sender<T>;
  using receiver = watch_receiver<T>;
  static std::pair<sender, receiver> channel(T initial) {
    auto* s = new detail::watch_state<T>(std::move(initial));
    return {sender(s), receiver(s, 0)};
  }
};

} // namespace weft::sync
