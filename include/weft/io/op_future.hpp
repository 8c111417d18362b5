// weft/io/op_future.hpp: op_future, the leaf future of one io_uring operation: the first poll
// prepares the SQE on the calling thread's ring (submitted with the next batch), the CQE
// wakes the task, the next poll returns the mapped result. Dropping it cancels the op safely
// (see op.hpp's protocol): memory the caller lent the kernel is not released before the
// kernel is done with it, and a result carrying a resource nobody takes is released.
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/core/result.hpp"
#include "weft/io/driver.hpp"
#include "weft/detail/futex.hpp"
#include "weft/io/op.hpp"

namespace weft::io {

/// How an operation uses memory and what its result carries.
struct op_traits {
  /// The SQE points at the caller's memory (a buffer): cancellation waits for the CQE.
  bool borrows_memory = false;
  /// EAGAIN/EINTR-style results are resubmitted by the driver instead of returned.
  bool retryable = true;
  /// A successful result is a file descriptor to close if nobody takes it.
  detail::op_resource resource = detail::op_resource::none;
};

namespace detail {

/// The holder's side of an op_state.
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
    if (!op_->waker_ || !op_->waker_->will_wake(cx.waker())) op_->waker_ = cx.waker();
    op_->lock.unlock();
    return std::nullopt;
  }

  /// Cancels the op if it is in flight (see op.hpp, invariants 2 and 3).
  void drop() noexcept {
    op_state* op = std::exchange(op_, nullptr);
    if (op == nullptr) return;
    std::optional<waker> w;
    op->lock.lock();
    const bool done = op->phase == op_state::phase_t::completed;
    op->holder_gone = true;
    w.swap(op->waker_);
    op->lock.unlock();
    w.reset();
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
      op->add_ref();  // for the request; the owner releases it
      op->cancel_req.what = remote_request::kind::cancel_op;
      op->cancel_req.target = op;
      op->owner->post_remote(&op->cancel_req);
      if (op->borrows_memory) {
        // acquire: pairs with complete_op's release; after it the kernel is done with the
        // buffer. Keep turning our own ring meanwhile (not just taking requests: a cancel we
        // were asked for must also be submitted and its CQE reaped): its owner may be
        // waiting on us.
        while (op->done.load(memory_order_acquire) == 0) {
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

/// The leaf future of one operation. `Prep(sqe, op_state&)` fills the SQE; `Map(int32_t
/// res)` turns the CQE result into the output.
///
/// Preconditions: polled on a thread of a weft runtime (a worker, or inside block_on).
/// Cancellation: dropping the future cancels the operation. A drop never waits for an op
/// that does not borrow memory. An op that borrows the caller's memory (op_traits::
/// borrows_memory: a read or write buffer) waits in its destructor until the kernel has let
/// go of that memory: on the op's own thread that is one cancel round trip; on another worker
/// (the task moved) it also waits for the owner worker to take the cancel request, which it
/// does at its next scheduling tick or park, so a long-running task on the owner delays it.
template <class Prep, class Map> class op_future {
public:
  using output = std::invoke_result_t<Map&, std::int32_t>;

  op_future(Prep prep, Map map, op_traits traits)
      : prep_(std::move(prep)), map_(std::move(map)), traits_(traits) {}
  op_future(op_future&&) noexcept = default;
  op_future& operator=(op_future&&) = delete;

  ::weft::poll<output> poll(context& cx) {
    if (!holder_.started()) {
      if (!coop::poll_proceed(cx)) return pending;
      uring_driver* d = uring_driver::current();
      WEFT_CHECK(d != nullptr,
                 "weft I/O must be awaited on a runtime thread (a task, or inside block_on)");
      holder_.start(*d, prep_, cx.waker(), traits_);
      return pending;
    }
    if (auto r = holder_.poll_result(cx)) return ::weft::poll<output>(std::in_place, map_(*r));
    return pending;
  }

private:
  Prep prep_;
  Map map_;
  op_traits traits_;
  detail::op_holder holder_;
};

template <class Prep, class Map>
op_future<Prep, Map> make_op(Prep prep, Map map, op_traits traits = {}) {
  return op_future<Prep, Map>(std::move(prep), std::move(map), traits);
}

namespace detail {
/// Result mappers shared by the operations.
inline result<void> to_void(std::int32_t res) {
  if (res < 0) return make_error(-res);
  return {};
}
inline result<std::size_t> to_size(std::int32_t res) {
  if (res < 0) return make_error(-res);
  return static_cast<std::size_t>(res);
}
} // namespace detail

} // namespace weft::io
