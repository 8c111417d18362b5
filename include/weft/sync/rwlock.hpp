// weft/sync/rwlock.hpp: rwlock<T>, an async reader-writer lock owning its value; FIFO-fair
// (a semaphore with max_readers permits: a reader takes one, a writer all of them, so a
// queued writer is not overtaken by later readers). Guards unlock on scope exit.
// Protocol: semaphore.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/sync/semaphore.hpp"

namespace weft::sync {

/// An async reader-writer lock: `auto r = co_await l.read();`, `auto w = co_await l.write();`.
///
/// Thread safety: any thread; guards may be released on another thread.
template <class T> class rwlock {
public:
  /// Readers at once.
  static constexpr std::size_t max_readers = std::size_t{1} << 30;

  template <class... Args> explicit rwlock(Args&&... args) : value_(std::forward<Args>(args)...) {}
  rwlock(const rwlock&) = delete;
  rwlock& operator=(const rwlock&) = delete;

  /// Shared access; unlocks when destroyed.
  class read_guard {
  public:
    read_guard(const T* v, semaphore_permit p) noexcept : v_(v), p_(std::move(p)) {}
    const T& operator*() const noexcept { return *v_; }
    const T* operator->() const noexcept { return v_; }

  private:
    const T* v_;
    semaphore_permit p_;
  };
  /// Exclusive access; unlocks when destroyed.
  class write_guard {
  public:
    write_guard(T* v, semaphore_permit p) noexcept : v_(v), p_(std::move(p)) {}
    T& operator*() const noexcept { return *v_; }
    T* operator->() const noexcept { return v_; }

  private:
    T* v_;
    semaphore_permit p_;
  };

  template <class Guard, class V> class lock_future {
  public:
    lock_future(V* v, semaphore::acquire_future a) noexcept : v_(v), acq_(std::move(a)) {}
    ::weft::poll<Guard> poll(context& cx) {
      auto p = acq_.poll(cx);
      if (p.is_pending()) return pending;
      auto permit = p.take();
      WEFT_ASSERT(permit.has_value(), "an rwlock's semaphore is never closed");
      return ::weft::poll<Guard>(std::in_place, v_, std::move(*permit));
    }

  private:
    V* v_;
    semaphore::acquire_future acq_;
  };

  /// Waits for shared access.
  /// Cancellation: cancel-safe (as semaphore::acquire).
  [[nodiscard]] lock_future<read_guard, const T> read() noexcept {
    return {&value_, sem_.acquire()};
  }
  /// Waits for exclusive access.
  /// Cancellation: cancel-safe (as semaphore::acquire).
  [[nodiscard]] lock_future<write_guard, T> write() noexcept {
    return {&value_, sem_.acquire_many(max_readers)};
  }
  std::optional<read_guard> try_read() {
    auto p = sem_.try_acquire(1);
    if (!p) return std::nullopt;
    return read_guard(&value_, std::move(*p));
  }
  std::optional<write_guard> try_write() {
    auto p = sem_.try_acquire(max_readers);
    if (!p) return std::nullopt;
    return write_guard(&value_, std::move(*p));
  }

private:
  semaphore sem_{max_readers};
  T value_;
};

} // namespace weft::sync
