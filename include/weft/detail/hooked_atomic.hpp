// weft/detail/hooked_atomic.hpp: hooked_atomic<T>, std::atomic<T> with a call to shim_point
// before every operation. atomic.hpp makes it weft::detail::atomic<T> in the checking builds
// (WEFT_MODEL_CHECK, WEFT_CHAOS); a normal build never uses it. With the shim, this is the
// only header besides atomic.hpp that includes <atomic>.
//
// Protocol: the wrapper adds no state and no ordering: each member calls shim_point(this,
// kind), then performs the same std::atomic operation with the caller's memory orders. In a
// model-check build only one thread runs at a time (the explorer's baton), so the point is
// where the explorer may switch threads and the operation itself is atomic with respect to
// every other shim operation. wait() there blocks in the explorer: it re-checks the value at
// each wake-up, as std::atomic::wait does, and notify_* wake explorer sleepers on `this`.
// The layout is exactly one std::atomic<T> (standard layout), so futex.hpp may still hand
// the word's address to the kernel.
#pragma once

#include <atomic>  // the shim: weft code gets atomics from weft/detail/atomic.hpp
#include <cstring>
#include <type_traits>
#include <utility>

#include "weft/detail/shim_hooks.hpp"

namespace weft::detail {

template <class T> class hooked_atomic {
  using mo = std::memory_order;
  static constexpr mo sc = std::memory_order_seq_cst;

public:
  using value_type = T;
  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;

  constexpr hooked_atomic() noexcept(std::is_nothrow_default_constructible_v<T>) : a_() {}
  constexpr hooked_atomic(T v) noexcept : a_(v) {}  // NOLINT(google-explicit-constructor)
  hooked_atomic(const hooked_atomic&) = delete;
  hooked_atomic& operator=(const hooked_atomic&) = delete;
  hooked_atomic& operator=(const hooked_atomic&) volatile = delete;

  [[nodiscard]] bool is_lock_free() const noexcept { return a_.is_lock_free(); }

  [[nodiscard]] T load(mo o = sc) const noexcept {
    shim_point(this, shim_op::load);
    return a_.load(o);
  }
  operator T() const noexcept { return load(); }  // NOLINT(google-explicit-constructor)
  void store(T v, mo o = sc) noexcept {
    shim_point(this, shim_op::store);
    a_.store(v, o);
  }
  T operator=(T v) noexcept {
    store(v);
    return v;
  }
  T exchange(T v, mo o = sc) noexcept {
    shim_point(this, shim_op::rmw);
    return a_.exchange(v, o);
  }
  bool compare_exchange_weak(T& expected, T desired, mo success, mo failure) noexcept {
    shim_point(this, shim_op::cas);
    return a_.compare_exchange_weak(expected, desired, success, failure);
  }
  bool compare_exchange_weak(T& expected, T desired, mo o = sc) noexcept {
    shim_point(this, shim_op::cas);
    return a_.compare_exchange_weak(expected, desired, o);
  }
  bool compare_exchange_strong(T& expected, T desired, mo success, mo failure) noexcept {
    shim_point(this, shim_op::cas);
    return a_.compare_exchange_strong(expected, desired, success, failure);
  }
  bool compare_exchange_strong(T& expected, T desired, mo o = sc) noexcept {
    shim_point(this, shim_op::cas);
    return a_.compare_exchange_strong(expected, desired, o);
  }

  // fetch_* exist exactly where std::atomic<T> has them (integers, pointers, floats).
  template <class D, class U = T>
  auto fetch_add(D d, mo o = sc) noexcept -> decltype(std::declval<std::atomic<U>&>().fetch_add(d, o)) {
    shim_point(this, shim_op::rmw);
    return a_.fetch_add(d, o);
  }
  template <class D, class U = T>
  auto fetch_sub(D d, mo o = sc) noexcept -> decltype(std::declval<std::atomic<U>&>().fetch_sub(d, o)) {
    shim_point(this, shim_op::rmw);
    return a_.fetch_sub(d, o);
  }
  template <class D, class U = T>
  auto fetch_and(D d, mo o = sc) noexcept -> decltype(std::declval<std::atomic<U>&>().fetch_and(d, o)) {
    shim_point(this, shim_op::rmw);
    return a_.fetch_and(d, o);
  }
  template <class D, class U = T>
  auto fetch_or(D d, mo o = sc) noexcept -> decltype(std::declval<std::atomic<U>&>().fetch_or(d, o)) {
    shim_point(this, shim_op::rmw);
    return a_.fetch_or(d, o);
  }
  template <class D, class U = T>
  auto fetch_xor(D d, mo o = sc) noexcept -> decltype(std::declval<std::atomic<U>&>().fetch_xor(d, o)) {
    shim_point(this, shim_op::rmw);
    return a_.fetch_xor(d, o);
  }
  template <class D, class U = T> auto operator+=(D d) noexcept -> decltype(std::declval<std::atomic<U>&>() += d) {
    shim_point(this, shim_op::rmw);
    return a_ += d;
  }
  template <class D, class U = T> auto operator-=(D d) noexcept -> decltype(std::declval<std::atomic<U>&>() -= d) {
    shim_point(this, shim_op::rmw);
    return a_ -= d;
  }
  template <class D, class U = T> auto operator&=(D d) noexcept -> decltype(std::declval<std::atomic<U>&>() &= d) {
    shim_point(this, shim_op::rmw);
    return a_ &= d;
  }
  template <class D, class U = T> auto operator|=(D d) noexcept -> decltype(std::declval<std::atomic<U>&>() |= d) {
    shim_point(this, shim_op::rmw);
    return a_ |= d;
  }
  template <class D, class U = T> auto operator^=(D d) noexcept -> decltype(std::declval<std::atomic<U>&>() ^= d) {
    shim_point(this, shim_op::rmw);
    return a_ ^= d;
  }
  template <class U = T> auto operator++() noexcept -> decltype(++std::declval<std::atomic<U>&>()) {
    shim_point(this, shim_op::rmw);
    return ++a_;
  }
  template <class U = T> auto operator++(int) noexcept -> decltype(std::declval<std::atomic<U>&>()++) {
    shim_point(this, shim_op::rmw);
    return a_++;
  }
  template <class U = T> auto operator--() noexcept -> decltype(--std::declval<std::atomic<U>&>()) {
    shim_point(this, shim_op::rmw);
    return --a_;
  }
  template <class U = T> auto operator--(int) noexcept -> decltype(std::declval<std::atomic<U>&>()--) {
    shim_point(this, shim_op::rmw);
    return a_--;
  }

  /// Blocks while the value equals `old` (compared by object representation, as std does).
  void wait(T old, mo o = sc) const noexcept {
#ifdef WEFT_MODEL_CHECK
    for (;;) {
      model_hooks::point(this, shim_op::wait);
      const T now = a_.load(o);
      if (std::memcmp(&now, &old, sizeof(T)) != 0) return;
      model_hooks::block(this, false);
    }
#else
    shim_point(this, shim_op::wait);
    a_.wait(old, o);
#endif
  }
  void notify_one() noexcept {
    shim_point(this, shim_op::notify);
#ifdef WEFT_MODEL_CHECK
    model_hooks::wake(this, 1);
#else
    a_.notify_one();
#endif
  }
  void notify_all() noexcept {
    shim_point(this, shim_op::notify);
#ifdef WEFT_MODEL_CHECK
    model_hooks::wake(this, 1 << 30);
#else
    a_.notify_all();
#endif
  }

private:
  std::atomic<T> a_;
};

} // namespace weft::detail
