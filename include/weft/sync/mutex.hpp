// weft/sync/mutex.hpp: mutex<T>, an async mutex owning its value (FIFO-fair: a semaphore
// with one permit), and mutex_guard<T>, which unlocks on scope exit. Protocol: semaphore.hpp.
#pragma once

#include <optional>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/sync/semaphore.hpp"

namespace weft::sync {

template <class T> class mutex;

/// Access to a locked mutex's value; unlocks when destroyed. Move-only.
template <class T> class mutex_guard {
public:
  explicit mutex_guard(mutex<T>* m) noexcept : m_(m) {}
  mutex_guard(mutex_guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  mutex_guard& operator=(mutex_guard&&) = delete;
  mutex_guard(const mutex_guard&) = delete;
  mutex_guard& operator=(const mutex_guard&) = delete;
  ~mutex_guard() {
    if (m_ != nullptr) m_->sem_.add_permits(1);
  }
  T& operator*() const noexcept { return m_->value_; }
  T* operator->() const noexcept { return &m_->value_; }

private:
  mutex<T>* m_;
};

/// An async mutex: `auto g = co_await m.lock(); ++*g;`. Waiters get the lock in the order
/// they first polled lock().
///
/// Thread safety: any thread. A guard may be held across co_await and released on another
/// thread.
template <class T> class mutex {
public:
  template <class... Args> explicit mutex(Args&&... args) : value_(std::forward<Args>(args)...) {}
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  /// The future returned by lock().
  class lock_future {
  public:
    explicit lock_future(mutex* m) noexcept : m_(m), acq_(m->sem_.acquire()) {}
    ::weft::poll<mutex_guard<T>> poll(context& cx) {
      auto p = acq_.poll(cx);
      if (p.is_pending()) return pending;
      auto permit = p.take();
      WEFT_ASSERT(permit.has_value(), "a mutex's semaphore is never closed");
      permit->forget();  // the guard returns it
      return ::weft::poll<mutex_guard<T>>(std::in_place, m_);
    }

  private:
    mutex* m_;
    semaphore::acquire_future acq_;
  };

  /// Waits for the lock.
  ///
  /// Cancellation: cancel-safe: a dropped lock() leaves the queue; if the lock had just
  /// been handed to it, it passes to the next waiter.
  [[nodiscard]] lock_future lock() noexcept { return lock_future(this); }

  /// Takes the lock now if it is free and nobody waits.
  std::optional<mutex_guard<T>> try_lock() {
    auto p = sem_.try_acquire();
    if (!p) return std::nullopt;
    p->forget();
    return mutex_guard<T>(this);
  }

  /// The value without locking. Preconditions: no other access at the same time.
  T& get_mut() noexcept { return value_; }

private:
  friend class mutex_guard<T>;
  semaphore sem_{1};
  T value_;
};

} // namespace weft::sync
