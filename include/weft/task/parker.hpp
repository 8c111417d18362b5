// weft/task/parker.hpp: thread_parker, the sleep/wake primitive behind block_on: a thread
// parks until another thread (or a waker) unparks it. Reference-counted, so wakers that
// outlive the block_on call stay harmless.
//
// Protocol: state_ is EMPTY, PARKED or NOTIFIED.
// - unpark: exchange(NOTIFIED); if the old state was PARKED, futex-wake the sleeper.
// - park: NOTIFIED→EMPTY consumes a pending unpark and returns at once; otherwise
//   EMPTY→PARKED and sleep (futex wait on PARKED) until the state leaves PARKED, then
//   consume the notification. Spurious futex returns loop.
// Invariant: an unpark that happens-before a park makes that park return without sleeping
// (no lost wake-up), because the exchange and the CAS are RMWs on the one word.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::detail {

class thread_parker {
public:
  static thread_parker* create() { return new thread_parker(); }

  void park() noexcept {
    // acquire: a consumed notification makes the unparker's prior writes visible.
    std::uint32_t expected = notified;
    if (state_.compare_exchange_strong(expected, empty, memory_order_acquire)) return;
    expected = empty;
    if (!state_.compare_exchange_strong(expected, parked, memory_order_acquire)) {
      // Only an unpark can have changed EMPTY in between: consume it.
      state_.store(empty, memory_order_relaxed);
      return;
    }
    for (;;) {
      state_.wait(parked, memory_order_acquire);
      expected = notified;
      if (state_.compare_exchange_strong(expected, empty, memory_order_acquire)) return;
    }
  }

  void unpark() noexcept {
    // release: publishes the waker's writes (the event) to the parked thread's acquire.
    if (state_.exchange(notified, memory_order_release) == parked) state_.notify_one();
  }

  void add_ref() noexcept {
    // relaxed: a reference is made from a live one.
    refs_.fetch_add(1, memory_order_relaxed);
  }
  void release() noexcept {
    // acq_rel: the last release sees all other holders' writes before deleting.
    if (refs_.fetch_sub(1, memory_order_acq_rel) == 1) delete this;
  }

  /// A waker that unparks this parker (takes a new reference).
  waker make_waker() {
    add_ref();
    return waker(this, &vtable);
  }

  /// The calling thread's parker for nesting level `depth` (created on first use): a
  /// block_on nested inside another one's poll parks on a parker of its own, so it cannot
  /// consume a wake meant for the outer one.
  static thread_parker& for_depth(std::size_t depth) {
    struct holder {
      std::vector<thread_parker*> parkers;
      holder() = default;
      holder(const holder&) = delete;
      holder& operator=(const holder&) = delete;
      ~holder() {
        for (thread_parker* p : parkers) p->release();
      }
    };
    thread_local holder h;
    while (h.parkers.size() <= depth) h.parkers.push_back(create());
    return *h.parkers[depth];
  }

private:
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked = 1;
  static constexpr std::uint32_t notified = 2;

  thread_parker() = default;

  static thread_parker* self(const void* d) {
    return static_cast<thread_parker*>(const_cast<void*>(d));
  }
  static const void* clone(const void* d) {
    self(d)->add_ref();
    return d;
  }
  static void wake(const void* d) {
    self(d)->unpark();
    self(d)->release();
  }
  static void wake_by_ref(const void* d) { self(d)->unpark(); }
  static void drop(const void* d) { self(d)->release(); }
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};

  atomic<std::uint32_t> state_{empty};
  atomic<long> refs_{1};
};

} // namespace weft::detail
