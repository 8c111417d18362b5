// weft/io/detail/op_holder.hpp: op_holder, the leaf future's side of an op_state: starts the
// op on the calling thread's driver, reads its result, and cancels it safely when dropped
// (see op_state.hpp's protocol): memory the caller lent the kernel is not released before the
// kernel is done with it, and a result carrying a resource nobody takes is released.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/detail/futex.hpp"
#include "weft/io/op_state.hpp"
#include "weft/io/epoll_driver.hpp"
#include "weft/io/uring_driver.hpp"
#include "weft/runtime/handle.hpp"

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

/// A blocking-pool job of the epoll backend: runs `fn` and completes `op` with its result.
template <class Fn> class blocking_job {
public:
  blocking_job(op_state* op, Fn fn) : op_(op), fn_(std::move(fn)) {}
  blocking_job(blocking_job&& o) noexcept : op_(std::exchange(o.op_, nullptr)), fn_(std::move(o.fn_)) {}
  blocking_job& operator=(blocking_job&&) = delete;
  ~blocking_job() {
    if (op_ != nullptr) end(-ECANCELED);  // never ran
  }
  void operator()() {
    std::int32_t r = -ECANCELED;
    try {
      r = fn_();
    } catch (...) {
      r = -ENOMEM;
    }
    end(r);
  }

private:
  void end(std::int32_t r) noexcept {
    op_state* op = std::exchange(op_, nullptr);
    op->finish(r);
    op->release();  // the job's ("kernel") reference
  }
  op_state* op_;
  Fn fn_;
};

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

  /// epoll backend: a readiness wait for `events` on `fd`, completed with the revents (or a
  /// negative errno when ended by a cancel or shutdown). Returns 0, or the negative errno when
  /// the fd cannot be waited on (EPERM for a regular file); nothing is started then.
  int start_wait(epoll_driver& d, int fd, std::uint32_t events, const waker& w) {
    auto* op = new op_state();
    const int r = d.add_wait(op, fd, events, w);
    if (r < 0) {
      delete op;  // never shared
      return r;
    }
    op_ = op;
    return 0;
  }

  /// epoll backend: runs `fn()` (returning a result like a CQE's: >= 0 or -errno) on the
  /// runtime's blocking pool. The job holds the op's "kernel" reference and completes it; a
  /// job the pool never runs (shutdown) completes it with -ECANCELED from its destructor.
  /// With t.borrows_memory, dropping the future waits for the job, as the io_uring path waits
  /// for the CQE: `fn` may use the caller's buffer until it returns.
  template <class Fn> void start_blocking(Fn fn, const waker& w, const op_traits& t) {
    op_ = new op_state();
    op_->borrows_memory = t.borrows_memory;
    op_->resource = t.resource;
    op_->waker_ = w;
    blocking_job<Fn> job(op_, std::move(fn));
    handle h = handle::try_current();
    if (!h.valid()) return;  // `job` ends the op as cancelled
    try {
      (void)h.spawn_blocking(std::move(job));  // the join handle is dropped: detached
    } catch (...) {
      // spawn_error (shutting down) or no thread could start: `job`, or its moved-to copy
      // inside the failed spawn, ends the op as cancelled.
    }
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
    reactor* me = reactor::current();
    if (op->owner == nullptr) {
      // A blocking-pool job: nothing to cancel; with borrowed memory, wait for it to return.
      // acquire: pairs with op_state::finish's release.
      while (op->borrows_memory && op->done.load(weft::detail::memory_order_acquire) == 0) {
        if (me != nullptr) me->turn();
        weft::detail::futex_wait(op->done, 0, std::chrono::milliseconds(1));
      }
    } else if (me == op->owner || op->owner->on_owner_thread()) {
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
