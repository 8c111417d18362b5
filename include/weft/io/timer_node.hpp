// weft/io/timer_node.hpp: timer_node, the heap node behind one sleep: a timer_entry
// linked into the wheel of the driver that first registered it, plus what crossing threads
// needs: a lock, the fired and orphaned flags, the waker, and a reference count, so the
// sleeping future can let go of it from any thread without waiting for the owner.
//
// Protocol
// Roles: the owner (the thread of `owner`: it links, unlinks and fires) and the holder (the
// sleep future; polled or dropped on any thread once its task moved).
// Fields:
//   deadline, owner — written by the holder before insert; read-only afterwards.
//   entry links — the owner's (timer_wheel).
//   removal_next — the owner's removal queue link, written by a poster under the driver's
//     remote lock.
//   lock guards: fired, orphaned, waker_.
//   refs: one for the holder, one while linked in the wheel ("the wheel's"), one per queued
//     removal request. The last release frees the node.
// Invariants:
//   1. The wheel's reference is dropped exactly once, by whoever unlinks the entry on the
//      owner thread: fire, remove_timer, or the wheel's clear at driver shutdown.
//   2. A holder gone from a foreign thread took the waker out first, so a late fire wakes
//      nobody; its removal request is fire and forget (the request holds its own reference).
//   3. orphaned: the driver shut down and unlinked the entry; the holder must not touch the
//      owner (it may be gone) and only drops its reference.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/frame_allocator.hpp"
#include "weft/detail/spin_lock.hpp"
#include "weft/io/detail/timer_wheel.hpp"

namespace weft::io {
class reactor;
}

namespace weft::io::detail {

struct timer_node : time::detail::timer_entry {
  static void* operator new(std::size_t n) { return weft::detail::frame_allocator::allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept {
    weft::detail::frame_allocator::deallocate(p, n);
  }

  reactor* owner = nullptr;
  timer_node* removal_next = nullptr;
  weft::detail::atomic<std::uint32_t> refs{1};  // the holder's
  weft::detail::spin_lock lock;
  bool fired = false;
  bool orphaned = false;
  waker waker_{nullptr, nullptr};  // null: nobody to wake

  void add_ref() noexcept {
    // relaxed: made from a live reference.
    refs.fetch_add(1, weft::detail::memory_order_relaxed);
  }
  void release() noexcept {
    // acq_rel: the last release sees every other holder's writes before freeing.
    if (refs.fetch_sub(1, weft::detail::memory_order_acq_rel) == 1) delete this;
  }

  /// Owner thread, after the wheel unlinked the entry: marks it fired, wakes the holder, and
  /// drops the wheel's reference (invariant 1). `orphan` marks a driver shutdown instead.
  void unlinked(bool orphan) noexcept {
    waker w(nullptr, nullptr);
    lock.lock();
    if (orphan) {
      orphaned = true;
    } else {
      fired = true;
    }
    w.swap(waker_);
    lock.unlock();
    if (w.valid() && !orphan) std::move(w).wake();
    release();
  }
};

} // namespace weft::io::detail
