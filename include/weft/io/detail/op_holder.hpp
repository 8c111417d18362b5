// weft/io/detail/op_holder.hpp: op_holder, the leaf future's side of an op_state: starts the
// op on the calling thread's driver, reads its result, and cancels it safely when dropped
// (see op_state.hpp's protocol): memory the caller lent the kernel is not released before the
// kernel is done with it, and a result carrying a resource nobody takes is released.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/detail/futex.hpp"
#include "weft/io/op_state.hpp"
#include "weft/io/uring_driver.hpp"

namespace weft::io {

/// How an operation uses memory and what its result carries. Build it with designated
/// initializers: `op_traits{.borrows_memory = true}`.
struct op_traits {
  /// The SQE points at the caller's memory (a buffer): cancellation waits for the CQE.
  bool borrows_memory = false;
  /// EAGAIN/EINTR-style results are resubmitted by the driver instead of returned.
  bool retryable = true;
  /// A successful result is a file descriptor to close if nobody takes it.
  detail::op_resource resource = detail::op_resource::none;
};

namespace detail {

class op_holder {
public:
  op_holder() noexcept = default;
  op_holder(op_holder&& o) noexcept : op_(std::exchange(o.op_, nullptr)) {}
  op_holder& operator=(op_holder&&) = delete;
  op_holder(const op_holder&) = delete;
  ~op_holder() { drop(); }

  [[nodiscard]] bool started() const noexcept { return op_ != nullptr; }
  [[nodiscard]] op_state* get() const noexcept { return op_; }

  /// Starts the op on `d`; `prep(sqe, op)` fills the SQE (and the op's payload).
  template <class Prep>
  void start(uring_driver& d, Prep& prep, const waker& w, const op_traits& t) {
    op_ = new op_state();
    op_->borrows_memory = t.borrows_memory;
    op_->retryable = t.retryable;
    op_->resource = t.resource;
    op_state* op = op_;
    d.start(op_, [&](io_uring_sqe* sqe) { prep(sqe, *op); }, w);
  }

  /// The result once the op completed; otherwise stores the waker and returns nullopt.
  std::optional<std::int32_t> poll_result(context& cx) {
    op_->lock.lock();
    if (op_->phase == op_state::phase_t::completed) {
      const std::int32_t res = op_->res;
      op_->lock.unlock();
      std::exchange(op_, nullptr)->release();
      return res;
    }
    op_->waker_.clone_from(cx.waker());
    op_->lock.unlock();
    return std::nullopt;
  }

  /// Cancels the op if it is in flight (see op_state.hpp, invariants 2 and 3).
  void drop() noexcept {
    op_state* op = std::exchange(op_, nullptr);
    if (op == nullptr) return;
    waker w(nullptr, nullptr);
    op->lock.lock();
    const bool done = op->phase == op_state::phase_t::completed;
    op->holder_gone = true;
    w.swap(op->waker_);
    op->lock.unlock();
    w = waker(nullptr, nullptr);  // dropped outside the lock
    if (done) {
      op->release_resource();  // completed but never taken
      op->release();
      return;
    }
    uring_driver* me = uring_driver::current();
    if (me == op->owner || op->owner->on_owner_thread()) {
      // The owner's thread (also outside its context): cancel and wait directly.
      op->owner->cancel(op);
      if (op->borrows_memory) op->owner->wait_completed(op);
    } else {
      op->owner->post_cancel(op);
      if (op->borrows_memory) {
        // acquire: pairs with complete_op's release; after it the kernel is done with the
        // buffer. Keep turning our own ring meanwhile (not just taking requests: a cancel we
        // were asked for must also be submitted and its CQE reaped): its owner may be
        // waiting on us.
        while (op->done.load(weft::detail::memory_order_acquire) == 0) {
          if (me != nullptr) me->turn();
          weft::detail::futex_wait(op->done, 0, std::chrono::milliseconds(1));
        }
      }
    }
    op->release();
  }

private:
  op_state* op_ = nullptr;
};

} // namespace detail
} // namespace weft::io
