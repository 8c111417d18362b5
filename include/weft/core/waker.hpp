// weft/core/waker.hpp: waker, the handle a leaf future keeps so that whoever completes
// its event can make the owning task runnable again. Type-erased as {data, vtable}.
// Holds no scheduler logic: executors supply the vtables.
#pragma once

#include <utility>

#include "weft/config.hpp"
#include "weft/detail/atomic.hpp"

namespace weft {

/// The operations behind a waker. Slots:
/// - `clone(data)`: a new reference to the same wake target; returns its data pointer.
/// - `wake(data)`: wake and release this reference (consumes it).
/// - `wake_by_ref(data)`: wake, keeping the reference.
/// - `drop(data)`: release this reference without waking.
/// Every slot must be safe to call from any thread, and must stay harmless after the target
/// task finished (wake is then a no-op; the reference keeps the memory alive).
struct waker_vtable {
  const void* (*clone)(const void* data);
  void (*wake)(const void* data);
  void (*wake_by_ref)(const void* data);
  void (*drop)(const void* data);
};

/// A handle that makes a task runnable again. Copy = clone, destroy = drop.
///
/// Thread safety: a waker may be copied, moved, woken and destroyed on any thread; one
/// waker object is not itself synchronized (like a `std::shared_ptr` instance).
class waker {
public:
  /// Builds a waker from a raw reference; takes ownership of that reference.
  constexpr waker(const void* data, const waker_vtable* vtable) noexcept
      : data_(data), vtable_(vtable) {}

  waker(const waker& other) : data_(other.vtable_->clone(other.data_)), vtable_(other.vtable_) {}
  waker(waker&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        vtable_(std::exchange(other.vtable_, nullptr)) {}
  waker& operator=(const waker& other) {
    if (this != &other) {
      if (will_wake(other)) return *this;
      waker tmp(other);
      swap(tmp);
    }
    return *this;
  }
  waker& operator=(waker&& other) noexcept {
    waker tmp(std::move(other));
    swap(tmp);
    return *this;
  }
  ~waker() {
    if (vtable_ != nullptr) vtable_->drop(data_);
  }

  /// Wakes the task and releases this reference. Preconditions: not moved-from.
  void wake() && {
    WEFT_ASSERT(vtable_ != nullptr, "wake of a moved-from waker");
    auto* vt = std::exchange(vtable_, nullptr);
    vt->wake(std::exchange(data_, nullptr));
  }
  /// Wakes the task, keeping this reference.
  void wake_by_ref() const {
    WEFT_ASSERT(vtable_ != nullptr, "wake of a moved-from waker");
    vtable_->wake_by_ref(data_);
  }
  /// True when both wake the same target, so storing `other` over `*this` can be skipped.
  [[nodiscard]] bool will_wake(const waker& other) const noexcept {
    return data_ == other.data_ && vtable_ == other.vtable_;
  }
  /// Replaces `*this` with a clone of `other` unless it already wakes the same target;
  /// this is how leaf futures store the context's waker cheaply.
  void clone_from(const waker& other) {
    if (!will_wake(other)) *this = waker(other);
  }

  [[nodiscard]] const void* data() const noexcept { return data_; }
  [[nodiscard]] const waker_vtable* vtable() const noexcept { return vtable_; }
  [[nodiscard]] bool valid() const noexcept { return vtable_ != nullptr; }

  void swap(waker& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(vtable_, other.vtable_);
  }

private:
  const void* data_;
  const waker_vtable* vtable_;
};

namespace detail {
inline const void* noop_clone(const void* d) noexcept { return d; }
inline void noop_fn(const void*) noexcept {}
inline constexpr waker_vtable noop_vtable{&noop_clone, &noop_fn, &noop_fn, &noop_fn};
} // namespace detail

/// A waker that does nothing; for polling futures outside any executor.
inline waker noop_waker() noexcept { return waker(nullptr, &detail::noop_vtable); }

/// Adapts any callable `fn()` into a waker (shared, reference-counted); for tests and glue
/// code, not hot paths.
template <class Fn> waker make_waker(Fn fn);

} // namespace weft

namespace weft {
namespace detail {
template <class Fn> struct fn_waker {
  detail::atomic<long> refs{1};
  Fn fn;
  static const void* clone(const void* d) {
    // relaxed: a new reference is made from an existing one, which keeps the object alive.
    static_cast<fn_waker*>(const_cast<void*>(d))->refs.fetch_add(1, detail::memory_order_relaxed);
    return d;
  }
  static void drop(const void* d) {
    auto* self = static_cast<fn_waker*>(const_cast<void*>(d));
    // acq_rel: the last release must see every other holder's writes before deleting.
    if (self->refs.fetch_sub(1, detail::memory_order_acq_rel) == 1) delete self;
  }
  static void wake_by_ref(const void* d) { static_cast<fn_waker*>(const_cast<void*>(d))->fn(); }
  static void wake(const void* d) {
    wake_by_ref(d);
    drop(d);
  }
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};
};
} // namespace detail

template <class Fn> waker make_waker(Fn fn) {
  auto* w = new detail::fn_waker<Fn>{{1}, std::move(fn)};
  return waker(w, &detail::fn_waker<Fn>::vtable);
}
} // namespace weft
