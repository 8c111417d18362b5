// weft/sync/once_cell.hpp: once_cell<T>, a value set once, with async one-time
// initialisation: concurrent get_or_init calls run one initialiser; the others wait for it.
//
// Protocol:
// - roles: readers (get; any thread) and initialisers (set, get_or_init; any thread).
// - `value_` is written once, while holding the semaphore's single permit, then `ready_` is
//   stored (release); readers load `ready_` (acquire) before touching `value_`.
// - get_or_init takes the permit (FIFO), looks again, runs the initialiser if still empty.
//   If that initialiser is cancelled (its task dropped) or throws, the permit goes back and
//   the next waiter tries its own initialiser.
// Invariants: (1) value_ is constructed at most once; (2) ready_ is true iff it is.
#pragma once

#include <optional>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/sync/semaphore.hpp"
#include "weft/task/task.hpp"

namespace weft::sync {

/// A value initialised once: `const T& v = co_await cell.get_or_init([] { return make(); });`
/// where the function returns a future (or task) of T.
///
/// Thread safety: any thread.
template <class T> class once_cell {
public:
  once_cell() = default;
  once_cell(const once_cell&) = delete;
  once_cell& operator=(const once_cell&) = delete;

  /// The value, or nullptr while it is not set.
  [[nodiscard]] const T* get() const noexcept {
    // acquire: pairs with the release store in set_locked.
    return ready_.load(::weft::detail::memory_order_acquire) ? &*value_ : nullptr;
  }
  [[nodiscard]] bool initialized() const noexcept { return get() != nullptr; }

  /// Sets the value if it is not set yet and nobody is initialising it; false otherwise.
  bool set(T v) {
    auto p = sem_.try_acquire();
    if (!p || get() != nullptr) return false;
    set_locked(std::move(v));
    return true;
  }

  /// The value, running `init()` (a function returning a future of T) to make it if it is
  /// not set. Callers racing it wait for the one initialiser.
  ///
  /// Cancellation: cancel-safe: a waiter dropped leaves the queue; an initialiser dropped
  /// midway leaves the cell empty and lets the next waiter initialise it.
  /// Errors: an exception from `init` propagates to its caller; the cell stays empty.
  /// Preconditions: the cell outlives the returned task.
  template <class Init> task<const T&> get_or_init(Init init) {
    if (const T* v = get()) co_return *v;
    auto permit = co_await sem_.acquire();
    if (const T* v = get()) co_return *v;
    set_locked(co_await init());
    co_return *value_;
  }

private:
  void set_locked(T v) {
    value_.emplace(std::move(v));
    // release: publishes value_ to get()'s acquire load.
    ready_.store(true, ::weft::detail::memory_order_release);
  }

  semaphore sem_{1};
  std::optional<T> value_;
  ::weft::detail::atomic<bool> ready_{false};
};

} // namespace weft::sync
