// weft/task/thread_parker.hpp: thread_parker, the sleep/wake primitive behind
// block_on_current_thread: a thread parks until another thread (or a waker) unparks it.
// Reference-counted, so wakers that outlive the block_on call stay harmless.
//
// Protocol: the park word is a park_state (weft/detail/park_state.hpp): unpark notifies and
// futex-wakes the sleeper if it was parked; park consumes a pending notification or sleeps
// (futex wait while PARKED; spurious returns loop). `refs_`: one per waker and one for the
// thread's holder; the last release deletes the parker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/futex.hpp"
#include "weft/detail/park_state.hpp"

namespace weft::detail {

class thread_parker {
public:
  static thread_parker* create() { return new thread_parker(); }

  void park() noexcept {
    if (state_.consume()) return;
    if (!state_.begin_park()) return;
    while (state_.load() == park_state::parked) futex_wait(state_.word(), park_state::parked);
    state_.end_park();
  }

  void unpark() noexcept {
    if (state_.notify()) futex_wake(state_.word());
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

  park_state state_;
  atomic<long> refs_{1};
};

} // namespace weft::detail
