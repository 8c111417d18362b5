// weft/io/uring_driver.hpp: uring_driver, the reactor: one io_uring per worker (and per
// block_on thread). It submits the SQEs queued during a scheduler tick in one io_uring_enter,
// reaps completions and wakes the leaf futures waiting on them, runs the thread's timers
// (time_driver), serves requests from other threads (mailbox), and parks the thread inside
// the ring wait with the nearest timer as the deadline.
//
// Protocol
// Roles: the owner thread (made the ring; the only one that submits, reaps or touches the
// timers) and other threads (unpark, post_cancel, post_timer_removal). The timers and the
// mailbox are the reactor base's (reactor.hpp).
// - park_: a park_state. unpark() notifies and, only if the owner was parked, sends a wake: a
//   MSG_RING from the caller's own ring when the caller owns one and the target lives as long
//   as its runtime (5.18+), else a write to the eventfd whose read is armed on the ring while
//   the owner sleeps. The owner moves to PARKED before io_uring_enter, so a wake sent after
//   that completes the enter, and a notification before it skips the wait.
// - park never blocks after dispatching anything (a timer, a completion, a request): the
//   wake may have made a task runnable in the owner's own queues, without an unpark.
// - mailbox_: cancels and timer removals from threads that do not own the ring; the owner
//   serves them in every turn and park; a poster then unparks the owner. After shutdown the
//   mailbox is closed: a timer removal is then moot (the wheel was cleared), a cancel is a
//   bug (every op completed before shutdown returned) and aborts with a message.
// - flush_gen_: bumped after every io_uring_enter that consumed SQEs. An op whose flush_gen
//   still equals it has not reached the kernel, so cancelling it rewrites its SQE into a NOP.
// - user_data: an op_state pointer (tag 0), a cancel of the op (tag 1), the wake read (tag
//   2), a sent MSG_RING (tag 3, the target driver in the pointer bits), ignored (tag 4).
// - io_uring_enter failing with EEXIST (driven from a thread that does not own a
//   SINGLE_ISSUER ring) or EBADF is fatal, never retried: spinning on it burns a core forever.
// Shutdown: cancel everything in flight (IORING_ASYNC_CANCEL_ANY) and reap until no op is
// outstanding, so no CQE arrives after the ring is closed. With nothing in flight, teardown
// makes no system call, so an idle driver may be destroyed from any thread.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/chaos.hpp"
#include "weft/detail/futex.hpp"
#include "weft/detail/park_state.hpp"
#include "weft/io/clock.hpp"
#include "weft/io/detail/errors.hpp"
#include "weft/io/detail/mailbox.hpp"
#include "weft/io/detail/time_driver.hpp"
#include "weft/io/timer_node.hpp"
#include "weft/io/op_state.hpp"
#include "weft/io/reactor.hpp"
#include "weft/io/ring.hpp"
#include "weft/runtime/driver.hpp"

namespace weft::io {

/// Builds a driver's ring from the sizes in its driver_config; empty = a uring_ring. Tests
/// put a fault-injecting ring here (weft/testing/fault_ring.hpp).
using ring_maker = std::function<std::unique_ptr<ring>(unsigned sq_entries, unsigned cq_entries)>;

class uring_driver final : public reactor {
public:
  /// A driver for the thread described by `cfg` (ring sizes, worker index, auto-advance).
  /// Errors: std::system_error when io_uring is unavailable (see ring.hpp).
  explicit uring_driver(const driver_config& cfg, const ring_maker& make_ring = {})
      : reactor(weft::io_backend::io_uring, cfg.auto_advance),
        ring_(make_ring ? make_ring(cfg.sq_entries, cfg.cq_entries)
                        : std::make_unique<uring_ring>(cfg.sq_entries, cfg.cq_entries)),
        long_lived_(cfg.worker >= 0) {
    event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (event_fd_ < 0) throw std::system_error(errno, std::system_category(), "weft: eventfd");
    listener_ = time::detail::global_clock().add_listener([this] { unpark(); });
  }
  uring_driver(const uring_driver&) = delete;
  uring_driver& operator=(const uring_driver&) = delete;
  ~uring_driver() override {
    shutdown();
    time::detail::global_clock().remove_listener(listener_);
    ::close(event_fd_);
  }

  /// The driver of the calling thread, or null.
  static uring_driver* current() noexcept {
    weft::driver* d = weft::current_driver();
    return d != nullptr ? static_cast<uring_driver*>(d->downcast(&tag)) : nullptr;
  }
  void* downcast(const void* t) noexcept override {
    return t == &tag ? static_cast<void*>(this) : reactor::downcast(t);
  }

  [[nodiscard]] const ring_features& features() const noexcept { return ring_->features(); }
  /// The io_uring's file descriptor (diagnostics and tests).
  [[nodiscard]] int ring_fd() const noexcept { return ring_->fd(); }
  [[nodiscard]] std::size_t ops_in_flight() const noexcept { return ops_in_flight_; }

  // ---- weft::driver -----------------------------------------------------------------------

  void park(std::optional<std::chrono::nanoseconds> timeout) override {
    if (service() != 0) return;
    if (park_.consume()) {
      flush_and_reap();
      return;
    }
    std::optional<std::chrono::nanoseconds> wait = timeout;
    // The paused clock may jump only when this park would otherwise block for good: no
    // caller timeout (a zero one means work is queued) and no I/O that could complete.
    const bool idle = !timeout && ops_in_flight_ == 0;
    if (auto t = timers_.until_next(idle); t && (!wait || *t < *wait)) wait = t;
    if (wait && wait->count() <= 0) {
      flush_and_reap();
      service();
      return;
    }
    // Completions already posted count as dispatching too: reap them instead of sleeping.
    if (flush_and_reap() != 0) return;
    if (!park_.begin_park()) {
      flush_and_reap();  // notified meanwhile
      return;
    }
    arm_wake_read();
    __kernel_timespec ts{};
    if (wait) {
      ts.tv_sec = wait->count() / 1'000'000'000;
      ts.tv_nsec = wait->count() % 1'000'000'000;
    }
    enter(1, wait ? &ts : nullptr);
    park_.end_park();
    reap_all();
    service();
  }

  void unpark() noexcept override {
    if (!park_.notify()) return;
    uring_driver* me = current();
    if (long_lived_ && me != nullptr && me != this && me->features().msg_ring &&
        features().msg_ring && me->send_msg_ring(this))
      return;
    write_eventfd();
  }

  void turn() override {
    if (ops_in_flight_ != 0 || cancels_in_flight_ != 0 || msg_in_flight_ != 0 || ring_->pending() != 0)
      flush_and_reap();
    service();
  }

  void quiesce() override { drain(); }

  void settle() override {
    if (!wake_armed_ && msg_in_flight_ == 0) return;
    if (wake_armed_) write_eventfd();
    while (wake_armed_ || msg_in_flight_ != 0) {
      __kernel_timespec ts{0, 10'000'000};
      enter(1, &ts);
      reap_all();
      if (wake_armed_) write_eventfd();
    }
  }

  [[nodiscard]] bool has_work_in_flight() const noexcept override {
    return ops_in_flight_ != 0 || cancels_in_flight_ != 0 || wake_armed_ || msg_in_flight_ != 0;
  }

  void cancel_all() override {
    service();
    if (ops_in_flight_ == 0) return;
    cancelling_all_ = true;  // what completes now is not retried
    io_uring_sqe* sqe = acquire_sqe();
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    sqe->user_data = tag_ignore;
    while (ops_in_flight_ != 0) {
      __kernel_timespec ts{0, 10'000'000};
      enter(1, &ts);
      reap_all();
      service_mail();
    }
    cancelling_all_ = false;
  }

  void shutdown() override {
    if (shut_down_) return;
    shut_down_ = true;
    close_mailbox();
    drain();
    timers_.orphan_all();
  }

  // ---- operations (owner thread) ----------------------------------------------------------

  /// A free SQE; flushes the submission queue and reaps when it is full (never drops).
  io_uring_sqe* acquire_sqe() {
    for (int spins = 0;; ++spins) {
      if (io_uring_sqe* sqe = ring_->get_sqe()) return sqe;
      flush_and_reap();
      if (spins > 1000) weft::detail::thread_yield();
    }
  }

  /// Starts `op`: `prep(sqe)` fills the SQE; the op takes a clone of `w`.
  template <class Prep> void start(detail::op_state* op, Prep&& prep, const waker& w) {
    op->owner = this;
    op->waker_ = w;
    io_uring_sqe* sqe = acquire_sqe();
    prep(sqe);
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(op));
    if (op->retryable) std::memcpy(op->sqe_copy, sqe, sizeof op->sqe_copy);
    op->sqe = sqe;
    op->flush_gen = flush_gen_;
    ++ops_in_flight_;
  }

  /// Cancels `op` (owner thread): an SQE not yet handed to the kernel becomes a NOP, an
  /// op in flight gets an ASYNC_CANCEL. The op still ends with exactly one final CQE.
  void cancel(detail::op_state* op) override {
    op->lock.lock();
    const bool done = op->phase == detail::op_state::phase_t::completed;
    op->cancel_requested = true;
    op->lock.unlock();
    if (done) return;
    if (op->sqe != nullptr && op->flush_gen == flush_gen_) {
      io_uring_prep_nop(op->sqe);
      io_uring_sqe_set_data64(op->sqe, reinterpret_cast<std::uint64_t>(op));
      op->resource = detail::op_resource::none;  // the NOP's 0 is not an fd
      return;
    }
    op->add_ref();  // held by the cancel SQE until its CQE
    ++cancels_in_flight_;
    io_uring_sqe* sqe = acquire_sqe();
    io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(op), 0);
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(op) | tag_cancel);
  }

  /// Owner thread: drives the ring until `op` completed (its memory is free again).
  void wait_completed(detail::op_state* op) override {
    for (;;) {
      op->lock.lock();
      const bool done = op->phase == detail::op_state::phase_t::completed;
      op->lock.unlock();
      if (done) return;
      __kernel_timespec ts{0, 50'000'000};
      enter(1, &ts);
      reap_all();
      service_mail();
    }
  }

private:
  static constexpr std::uint64_t tag_mask = 7;
  static constexpr std::uint64_t tag_cancel = 1;
  static constexpr std::uint64_t tag_wake = 2;
  static constexpr std::uint64_t tag_msg = 3;
  static constexpr std::uint64_t tag_ignore = 4;
  static constexpr int max_retries = 1024;
  static inline const char tag = 0;

  /// Cancels whatever is in flight and reaps until nothing the kernel may still write to is
  /// outstanding. With nothing in flight it makes no system call.
  void drain() {
    service();
    if (!has_work_in_flight()) return;
    if (ops_in_flight_ != 0) {
      io_uring_sqe* sqe = acquire_sqe();
      io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
      sqe->user_data = tag_ignore;
    }
    // The wake read is not an op: complete it by making the eventfd readable.
    if (wake_armed_) write_eventfd();
    while (has_work_in_flight()) {
      __kernel_timespec ts{0, 10'000'000};
      enter(1, &ts);
      reap_all();
      service_mail();
      if (wake_armed_ && ops_in_flight_ == 0) write_eventfd();
    }
  }

  void write_eventfd() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(event_fd_, &one, sizeof one);
  }

  bool send_msg_ring(uring_driver* target) noexcept {
    io_uring_sqe* sqe = ring_->get_sqe();
    if (sqe == nullptr) return false;
    io_uring_prep_msg_ring(sqe, target->ring_->fd(), 0, tag_ignore, 0);
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(target) | tag_msg);
    ++msg_in_flight_;
    enter(0, nullptr);  // now: the wake must not wait for our next tick
    return true;
  }

  void arm_wake_read() {
    if (wake_armed_ || shut_down_) return;
    io_uring_sqe* sqe = acquire_sqe();
    io_uring_prep_read(sqe, event_fd_, &event_buf_, sizeof event_buf_, 0);
    io_uring_sqe_set_data64(sqe, tag_wake);
    wake_armed_ = true;
  }

  /// io_uring_enter through the ring; SQEs handed over by a successful enter are no longer
  /// ours to rewrite (flush_gen_, see the protocol block).
  int enter(unsigned wait_nr, const __kernel_timespec* ts) noexcept {
    const int r = ring_->submit(wait_nr, ts);
    if (r >= 0) {
      ++flush_gen_;
    } else if (r == -EEXIST || r == -EBADF) {
      ring_misuse(r);
    }
    return r;
  }

  [[noreturn]] void ring_misuse(int r) const noexcept {
    std::fprintf(stderr,
                 "weft: fatal: io_uring_enter failed with %s: %s (driver made on thread %zu, "
                 "called on thread %zu)\n",
                 r == -EEXIST ? "EEXIST" : "EBADF",
                 r == -EEXIST ? "the ring is driven from a thread that does not own it "
                                "(SINGLE_ISSUER); a current-thread runtime must be run and "
                                "destroyed on the thread that built it"
                              : "the ring's file descriptor was closed behind weft's back",
                 std::hash<std::thread::id>{}(owner_thread_),
                 std::hash<std::thread::id>{}(std::this_thread::get_id()));
    std::abort();
  }

  /// Submits what is queued and reaps; returns how many completions it dispatched.
  std::size_t flush_and_reap() {
    enter(0, nullptr);
    return reap_all();
  }

  std::size_t reap_all() {
    completion batch[64];
    std::size_t total = 0;
    for (;;) {
      const unsigned n = ring_->reap(batch, 64);
      for (unsigned i = 0; i < n; ++i) dispatch(batch[i]);
      total += n;
      if (n < 64) return total;
    }
  }

  void dispatch(const completion& c) {
    if (c.user_data == tag_wake) {
      wake_armed_ = false;  // the eventfd read completed
      return;
    }
    switch (c.user_data & tag_mask) {
    case 0:
      complete_op(reinterpret_cast<detail::op_state*>(c.user_data), c.res, c.flags);
      return;
    case tag_cancel: {
      auto* op = reinterpret_cast<detail::op_state*>(c.user_data & ~tag_mask);
      if (c.res == -ENOENT) {
        // Not found: either it completed (fine) or it has not reached the kernel yet (it
        // will be cancelled again after the next flush).
        op->lock.lock();
        const bool done = op->phase == detail::op_state::phase_t::completed;
        op->lock.unlock();
        if (!done) {
          io_uring_sqe* sqe = acquire_sqe();
          io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(op), 0);
          io_uring_sqe_set_data64(sqe, c.user_data);
          return;  // the reference (and the count) moves to the new cancel SQE
        }
      }
      --cancels_in_flight_;
      op->release();
      return;
    }
    case tag_msg:
      --msg_in_flight_;
      if (c.res < 0) reinterpret_cast<uring_driver*>(c.user_data & ~tag_mask)->write_eventfd();
      return;
    default:  // tag_ignore: the shutdown CANCEL_ANY, a MSG_RING wake we received
      return;
    }
  }

  void complete_op(detail::op_state* op, std::int32_t res, std::uint32_t flags) {
    op->sqe = nullptr;
    if (op->retryable && op->retries < max_retries && !shut_down_ && !cancelling_all_) {
      op->lock.lock();
      const bool cancel = op->cancel_requested;
      op->lock.unlock();
      if (detail::is_transient(res, cancel)) {
        ++op->retries;
        io_uring_sqe* sqe = acquire_sqe();
        std::memcpy(static_cast<void*>(sqe), op->sqe_copy, sizeof op->sqe_copy);
        io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(op));
        op->sqe = sqe;
        op->flush_gen = flush_gen_;
        return;
      }
    }
    waker w(nullptr, nullptr);
    op->lock.lock();
    op->res = detail::holder_result(res, op->cancel_requested);
    op->cqe_flags = flags;
    op->phase = detail::op_state::phase_t::completed;
    const bool gone = op->holder_gone;
    w.swap(op->waker_);
    op->lock.unlock();
    --ops_in_flight_;
    if (gone) {
      op->release_resource();
      // release: the waiting holder may now free the memory the kernel used.
      op->done.store(1, weft::detail::memory_order_release);
      weft::detail::futex_wake(op->done);
    } else if (w.valid()) {
      weft::detail::chaos_point();
      std::move(w).wake();
    }
    op->release();  // the kernel's reference
  }

  // Owner thread only.
  std::unique_ptr<ring> ring_;
  const bool long_lived_;  // a worker's driver: lives as long as its runtime (MSG_RING target)
  const std::thread::id owner_thread_ = std::this_thread::get_id();  // for ring_misuse
  int event_fd_ = -1;
  std::uint64_t event_buf_ = 0;
  bool wake_armed_ = false;
  bool shut_down_ = false;
  bool cancelling_all_ = false;
  std::size_t ops_in_flight_ = 0;
  std::size_t msg_in_flight_ = 0;
  std::size_t cancels_in_flight_ = 0;  // cancel SQEs, each holding an op reference
  std::uint64_t flush_gen_ = 1;
  std::size_t listener_ = 0;
  // Any thread.
  weft::detail::park_state park_;
};

/// The driver factory for runtime_builder::driver(): one uring_driver per worker and block_on
/// thread, its ring made by `make_ring` (empty: a real uring_ring).
inline driver_factory uring_driver_factory(ring_maker make_ring = {}) {
  return [make_ring = std::move(make_ring)](const driver_config& cfg)
             -> std::unique_ptr<weft::driver> {
    return std::make_unique<uring_driver>(cfg, make_ring);
  };
}


} // namespace weft::io
