// weft/io/op_state.hpp: op_state, the bookkeeping of one operation, shared by the leaf future
// that started it and the driver it was submitted to: an io_uring SQE, an epoll readiness
// wait, or (epoll backend) a blocking-pool job, where "the kernel" below is the job.
//
// Protocol
// Roles: the owner (the thread of the ring's driver: it submits, reaps and cancels) and the
// holder (the leaf future; it may be polled or destroyed on another thread when its task
// moved to another worker).
// Fields:
//   owner, borrows_memory, resource, retryable, sqe_copy — written before submission,
//     read-only after (sqe_copy is re-used by the owner for retries);
//   sqe, flush_gen — owner only (io_uring); wait_fd, wait_events, wait_next/prev — owner only
//     (epoll: a readiness wait linked in the driver's fd table);
//   lock guards: phase, res, cqe_flags, holder_gone, cancel_requested, waker;
//   refs: one for the holder, one for the kernel (from submission to the final CQE), one for
//     a posted cancel request (cancel_req) and one per cancel SQE in flight; the last release
//     frees the op.
//   done — set (release) when the final CQE was processed and holder_gone; a cross-thread
//     holder waiting for the kernel to let go of borrowed memory futex-waits on it.
// Invariants:
//   1. the kernel reference is dropped only after the op's final CQE, so memory inside the
//      op (addresses, iovecs, timespecs) lives as long as the kernel may touch it;
//   2. exactly one of {holder reads the result, orphan action} happens per op: whichever of
//      completion and holder_gone comes second under the lock does it;
//   3. a holder that borrows memory (a caller's buffer) does not return from its destructor
//      before phase == completed (the kernel is done with the buffer).
#pragma once

#include <cstdint>
#include <cstring>

#include <liburing.h>
#include <unistd.h>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/chaos.hpp"
#include "weft/detail/futex.hpp"
#include "weft/detail/frame_allocator.hpp"
#include "weft/detail/spin_lock.hpp"
#include "weft/io/detail/errors.hpp"
#include "weft/io/detail/mailbox.hpp"

namespace weft::io {

class reactor;

namespace detail {

using weft::detail::atomic;
using weft::detail::memory_order_acq_rel;
using weft::detail::memory_order_acquire;
using weft::detail::memory_order_relaxed;
using weft::detail::memory_order_release;

/// What an orphaned successful result holds that must be released.
enum class op_resource : std::uint8_t { none, fd };

struct op_state {
  static void* operator new(std::size_t n) { return weft::detail::frame_allocator::allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept {
    weft::detail::frame_allocator::deallocate(p, n);
  }

  enum class phase_t : std::uint8_t { in_flight, completed };

  reactor* owner = nullptr;  // null: a blocking-pool job (epoll backend), nobody to cancel
  io_uring_sqe* sqe = nullptr;  // while not yet handed to the kernel
  std::uint64_t flush_gen = 0;

  weft::detail::spin_lock lock;
  phase_t phase = phase_t::in_flight;
  bool holder_gone = false;
  bool cancel_requested = false;
  bool borrows_memory = false;
  bool retryable = false;
  int retries = 0;
  op_resource resource = op_resource::none;
  std::int32_t res = 0;
  std::uint32_t cqe_flags = 0;
  // epoll backend, owner only: the readiness wait's fd, interest and link in the fd's list.
  int wait_fd = -1;
  std::uint32_t wait_events = 0;
  op_state* wait_next = nullptr;
  op_state* wait_prev = nullptr;
  waker waker_{nullptr, nullptr};  // null: nobody to wake

  atomic<int> refs{2};  // holder + kernel
  atomic<std::uint32_t> done{0};
  cancel_request cancel_req;  // posted to the owner by a holder dropping on another thread

  // A copy of the prepared SQE, for retries of EAGAIN/EINTR-style results. Raw bytes: the
  // SQE type ends in a flexible array, which cannot be a member.
  alignas(8) unsigned char sqe_copy[sizeof(io_uring_sqe)] = {};

  /// Op-owned memory the kernel reads or writes (addresses, iovecs, timespecs).
  union payload_t {
    __kernel_timespec ts;
    iovec iov;
    unsigned char bytes[128];
  } payload{};

  void release() noexcept {
    // acq_rel: the last release must see all other holders' writes before freeing.
    if (refs.fetch_sub(1, memory_order_acq_rel) == 1) delete this;
  }
  void add_ref() noexcept {
    // relaxed: made from a live reference.
    refs.fetch_add(1, memory_order_relaxed);
  }

  /// The final completion (epoll readiness waits and blocking-pool jobs; the io_uring driver
  /// has its own, with retries): publishes `r`, then either wakes the holder or, when the
  /// holder is gone, runs the orphan action and releases a holder waiting in its destructor
  /// (invariants 2 and 3). The caller then drops the kernel's reference.
  void finish(std::int32_t r, std::uint32_t flags = 0) noexcept {
    waker w(nullptr, nullptr);
    lock.lock();
    res = holder_result(r, cancel_requested);
    cqe_flags = flags;
    phase = phase_t::completed;
    const bool gone = holder_gone;
    w.swap(waker_);
    lock.unlock();
    if (gone) {
      release_resource();
      // release: pairs with the dropping holder's acquire load of `done`; after it the
      // memory the job or kernel used may be freed.
      done.store(1, memory_order_release);
      weft::detail::futex_wake(done);
    } else if (w.valid()) {
      weft::detail::chaos_point();
      std::move(w).wake();
    }
  }

  /// The orphan action: releases a resource the result carries when nobody takes it.
  void release_resource() noexcept {
    if (resource == op_resource::fd && res >= 0) ::close(res);
  }
};

} // namespace detail
} // namespace weft::io
