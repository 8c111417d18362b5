// weft/io/driver.hpp: uring_driver, the reactor: one io_uring per worker (and per block_on
// thread). It submits the SQEs queued during a scheduler tick in one io_uring_enter, reaps
// completions and wakes the leaf futures waiting on them, runs the thread's timer wheel, and
// parks the thread inside the ring wait with the nearest timer as the deadline.
//
// Protocol
// Roles: the owner thread (created the ring; the only one that submits, reaps or touches the
// wheel) and other threads (unpark, post_remote).
// - park_state_: empty / parked / notified, as in runtime/driver.hpp. unpark() exchanges in
//   notified and, only if the owner was parked, sends a wake: a MSG_RING from the caller's
//   own ring when the caller owns one (5.18+), else a write to the eventfd whose read is
//   always armed on the ring. The owner moves empty→parked before io_uring_enter, so a wake
//   sent after that CAS completes the enter, and a notification before it skips the wait.
// - remote_ (under remote_mu_) with remote_pending_ as the lock-free hint: requests from
//   threads that do not own the ring (cancel an op, remove a timer). The owner drains them
//   in turn() and park(); a poster then unparks the owner.
// - flush_gen_: bumped after every io_uring_enter that consumed SQEs. An op whose flush_gen
//   still equals it has not reached the kernel, so cancelling it rewrites its SQE into a NOP.
// - user_data: an op_state pointer (tag 0), a cancel of the op (tag 1), a wake (tag 2), a
//   sent MSG_RING (tag 3, the target driver in the pointer bits).
// Shutdown: cancel everything in flight (IORING_ASYNC_CANCEL_ANY) and reap until no op is
// outstanding, so no CQE arrives after the ring is closed.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/io/detail/clock.hpp"
#include "weft/io/detail/timer_node.hpp"
#include "weft/io/op.hpp"
#include "weft/io/ring.hpp"
#include "weft/runtime/detail/context.hpp"
#include "weft/runtime/driver.hpp"
#include "weft/io/detail/timer_wheel.hpp"

namespace weft::io {

/// Settings of one driver.
struct driver_options {
  unsigned sq_entries = 256;
  unsigned cq_entries = 0;
  /// Auto-advance the paused clock when this driver would sleep (current-thread runtimes
  /// and block_on threads of tests).
  bool auto_advance = false;
  /// A worker's driver: lives as long as its runtime, so other drivers may send it MSG_RING
  /// wakes (a block_on thread's driver is short-lived and is woken through its eventfd).
  bool long_lived = false;
  /// Builds the ring; empty = a uring_ring. Tests put a fault_ring here.
  std::function<std::unique_ptr<ring>(unsigned sq, unsigned cq)> make_ring;
};

class uring_driver final : public weft::driver {
public:
  /// Errors: std::system_error when io_uring is unavailable (see ring.hpp).
  explicit uring_driver(const driver_options& opts)
      : ring_(opts.make_ring ? opts.make_ring(opts.sq_entries, opts.cq_entries)
                             : std::make_unique<uring_ring>(opts.sq_entries, opts.cq_entries)),
        wheel_(time::detail::now_tick()), auto_advance_(opts.auto_advance),
        long_lived_(opts.long_lived) {
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
    weft::driver* d = weft::detail::current_driver();
    return d != nullptr ? static_cast<uring_driver*>(d->downcast(&tag)) : nullptr;
  }
  void* downcast(const void* t) noexcept override {
    return t == &tag ? this : nullptr;
  }

  [[nodiscard]] const ring_features& features() const noexcept { return ring_->features(); }
  /// The io_uring's file descriptor (diagnostics and tests).
  [[nodiscard]] int ring_fd() const noexcept { return ring_->fd(); }
  /// True on the thread that owns this driver (whether or not it is the current driver).
  [[nodiscard]] bool on_owner_thread() const noexcept {
    return std::this_thread::get_id() == owner_thread_;
  }
  [[nodiscard]] std::size_t ops_in_flight() const noexcept { return ops_in_flight_; }

  // ---- weft::driver -----------------------------------------------------------------------

  /// Parks the owner. Anything park dispatches before it would block (a due timer, a
  /// completion, a remote request) may make a task runnable on this very thread without an
  /// unpark (the wake lands in the worker's own queues), so park never blocks after
  /// dispatching: it returns and lets the caller look at its queues again.
  void park(std::optional<std::chrono::nanoseconds> timeout) override {
    if (service() != 0) return;
    std::uint32_t expected = notified;
    // acquire: a consumed notification makes the unparker's writes visible.
    if (park_state_.compare_exchange_strong(expected, empty, weft::detail::memory_order_acquire)) {
      flush_and_reap();
      return;
    }
    std::optional<std::chrono::nanoseconds> wait = timeout;
    if (auto next = wheel_.next_expiration()) {
      const auto until = time::detail::instant_of(*next) - time::detail::global_clock().now();
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(until);
      if (time::detail::global_clock().paused()) {
        if (auto_advance_ && ops_in_flight_ == 0) {
          time::detail::global_clock().advance_to(time::detail::instant_of(*next));
          service();
          return;
        }
      } else if (!wait || ns < *wait) {
        wait = ns;
      }
    }
    if (wait && wait->count() <= 0) {
      flush_and_reap();
      service();
      return;
    }
    // Completions already posted count as dispatching too: reap them instead of sleeping.
    if (flush_and_reap() != 0) return;
    expected = empty;
    if (!park_state_.compare_exchange_strong(expected, parked, weft::detail::memory_order_acquire)) {
      park_state_.store(empty, weft::detail::memory_order_relaxed);  // notified meanwhile
      flush_and_reap();
      return;
    }
    arm_wake_read();
    __kernel_timespec ts{};
    if (wait) {
      ts.tv_sec = wait->count() / 1'000'000'000;
      ts.tv_nsec = wait->count() % 1'000'000'000;
    }
    enter(1, wait ? &ts : nullptr);
    // acquire: see the writes of whoever unparked us.
    park_state_.exchange(empty, weft::detail::memory_order_acquire);
    reap_all();
    service();
  }

  void unpark() noexcept override {
    // release: publishes the unparker's writes to the parked owner.
    if (park_state_.exchange(notified, weft::detail::memory_order_release) != parked) return;
    uring_driver* me = current();
    if (long_lived_ && me != nullptr && me != this && me->features().msg_ring &&
        features().msg_ring && me->send_msg_ring(this))
      return;
    write_eventfd();
  }

  void turn() override {
    if (ops_in_flight_ != 0 || ring_->pending() != 0 || msg_in_flight_ != 0) flush_and_reap();
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
    return ops_in_flight_ != 0 || wake_armed_ || msg_in_flight_ != 0;
  }

  void shutdown() override {
    if (shut_down_) return;
    shut_down_ = true;
    {
      std::lock_guard lock(remote_mu_);
      closed_ = true;  // from now on a remote request is a bug: nobody would serve it
    }
    drain();
    service_timer_removals();
    wheel_.clear([](time::detail::timer_entry* e) noexcept {
      static_cast<detail::timer_node*>(e)->unlinked(/*orphan=*/true);
    });
  }

  // ---- operations (owner thread) ----------------------------------------------------------

  /// A free SQE; flushes the submission queue and reaps when it is full (never drops).
  io_uring_sqe* acquire_sqe() {
    for (int spins = 0;; ++spins) {
      if (io_uring_sqe* sqe = ring_->get_sqe()) return sqe;
      flush_and_reap();
      if (spins > 1000) std::this_thread::yield();
    }
  }

  /// Starts `op`: `prep(sqe)` fills the SQE; the op takes a clone of `w`.
  template <class Prep> void start(detail::op_state* op, Prep&& prep, const waker& w) {
    op->owner = this;
    op->waker_.emplace(w);
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
  void cancel(detail::op_state* op) {
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
    io_uring_sqe* sqe = acquire_sqe();
    io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(op), 0);
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(op) | tag_cancel);
  }

  /// Owner thread: drives the ring until `op` completed (its memory is free again).
  void wait_completed(detail::op_state* op) {
    for (;;) {
      op->lock.lock();
      const bool done = op->phase == detail::op_state::phase_t::completed;
      op->lock.unlock();
      if (done) return;
      __kernel_timespec ts{0, 50'000'000};
      enter(1, &ts);
      reap_all();
      service_remote();
    }
  }

  /// Any thread: hands `r` to the owner and wakes it. On the owner thread itself (outside
  /// the driver's context, e.g. while another runtime's block_on runs here) the request is
  /// served at once. A request to a driver that shut down is a bug (a future registered with
  /// it outlived it) and fails loudly instead of waiting for an answer that never comes.
  void post_remote(detail::remote_request* r) {
    if (on_owner_thread()) {
      r->next = nullptr;
      serve_requests(r);
      return;
    }
    {
      std::lock_guard lock(remote_mu_);
      if (closed_) {
        std::fprintf(stderr, "weft: a timer or I/O operation was dropped after the driver it "
                             "was registered with shut down (it outlived its runtime thread)\n");
        std::abort();
      }
      r->next = remote_head_;
      remote_head_ = r;
      // release: the hint is set after the request is linked (pairs with service_remote).
      remote_pending_.store(true, weft::detail::memory_order_release);
    }
    // The owner checks remote_pending_ in every turn and park, so only a parked owner needs
    // the wake, which is exactly what unpark() sends.
    unpark();
  }

  // ---- timers (owner thread) -------------------------------------------------------------

  /// Links `n` (the holder set its deadline) into this thread's wheel; the wheel takes a
  /// reference.
  void insert_timer(detail::timer_node* n) {
    n->owner = this;
    n->add_ref();
    wheel_.insert(n);
  }
  /// Unlinks `n` if it is still linked (owner thread), dropping the wheel's reference.
  void remove_timer(detail::timer_node* n) noexcept {
    if (!n->is_linked()) return;
    wheel_.remove(n);
    n->release();
  }
  /// Any thread: asks the owner to unlink `n`, without waiting (the request holds a
  /// reference). After shutdown the wheel was cleared already, so it only drops that
  /// reference.
  void post_timer_removal(detail::timer_node* n) {
    n->add_ref();
    {
      std::lock_guard lock(remote_mu_);
      if (!closed_) {
        n->removal_next = removals_;
        removals_ = n;
        // release: the hint is set after the node is linked (pairs with service_remote).
        remote_pending_.store(true, weft::detail::memory_order_release);
        n = nullptr;
      }
    }
    if (n != nullptr) {
      n->release();
      return;
    }
    unpark();
  }

  /// Processes remote requests and fires due timers (owner thread). Returns how many
  /// requests and timers it handled.
  std::size_t service() { return service_remote() + fire_timers(); }

  /// Processes requests from other threads (owner thread); returns how many.
  std::size_t service_remote() {
    // acquire: pairs with post_remote's release.
    if (!remote_pending_.load(weft::detail::memory_order_acquire)) return 0;
    detail::remote_request* list = nullptr;
    detail::timer_node* removals = nullptr;
    {
      std::lock_guard lock(remote_mu_);
      list = remote_head_;
      remote_head_ = nullptr;
      removals = std::exchange(removals_, nullptr);
      remote_pending_.store(false, weft::detail::memory_order_relaxed);
    }
    return serve_requests(list) + serve_removals(removals);
  }

private:
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked = 1;
  static constexpr std::uint32_t notified = 2;
  static constexpr std::uint64_t tag_mask = 7;
  static constexpr std::uint64_t tag_cancel = 1;
  static constexpr std::uint64_t tag_wake = 2;
  static constexpr std::uint64_t tag_msg = 3;
  static constexpr std::uint64_t tag_ignore = 4;
  static constexpr int max_retries = 1024;
  static inline const char tag = 0;



  std::size_t serve_requests(detail::remote_request* list) {
    std::size_t n = 0;
    while (list != nullptr) {
      ++n;
      detail::remote_request* next = list->next;
      switch (list->what) {
      case detail::remote_request::kind::cancel_op: {
        auto* op = static_cast<detail::op_state*>(list->target);
        cancel(op);
        op->release();  // the reference the poster took for the request
        break;
      }
      }
      list = next;
    }
    return n;
  }

  std::size_t serve_removals(detail::timer_node* n) noexcept {
    std::size_t count = 0;
    while (n != nullptr) {
      detail::timer_node* next = n->removal_next;
      remove_timer(n);
      n->release();  // the request's reference
      n = next;
      ++count;
    }
    return count;
  }

  void service_timer_removals() noexcept {
    detail::timer_node* removals = nullptr;
    {
      std::lock_guard lock(remote_mu_);
      removals = std::exchange(removals_, nullptr);
    }
    serve_removals(removals);
  }

  /// Cancels whatever is in flight and reaps until nothing the kernel may still write to is
  /// outstanding. With nothing in flight it makes no system call, so an idle driver can be
  /// destroyed from any thread.
  void drain() {
    service();
    if (ops_in_flight_ == 0 && !wake_armed_ && msg_in_flight_ == 0) return;
    if (ops_in_flight_ != 0) {
      if (io_uring_sqe* sqe = acquire_sqe()) {
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
        sqe->user_data = tag_ignore;
      }
    }
    // The wake read is not an op: complete it by making the eventfd readable.
    if (wake_armed_) write_eventfd();
    while (ops_in_flight_ != 0 || wake_armed_ || msg_in_flight_ != 0) {
      __kernel_timespec ts{0, 10'000'000};
      enter(1, &ts);
      reap_all();
      service_remote();
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
    // Submit now: the wake must not wait for our next tick.
    enter(0, nullptr);
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
      // Not retryable, ever: spinning on it would burn a core forever.
      ring_misuse(r);
    }
    return r;
  }

  [[noreturn]] void ring_misuse(int r) const noexcept {
    std::fprintf(stderr,
                 "weft: io_uring_enter failed with %s: %s (driver made on thread %zu, called on "
                 "thread %zu)\n",
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
    const std::uint64_t tagv = c.user_data & tag_mask;
    if (c.user_data == tag_wake) {
      wake_armed_ = false;  // the eventfd read (or a MSG_RING wake) completed
      return;
    }
    switch (tagv) {
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
          return;  // the reference moves to the new cancel SQE
        }
      }
      op->release();
      return;
    }
    case tag_msg: {
      --msg_in_flight_;
      if (c.res < 0) reinterpret_cast<uring_driver*>(c.user_data & ~tag_mask)->write_eventfd();
      return;
    }
    default:  // tag_ignore: the shutdown CANCEL_ANY, a MSG_RING wake we received
      return;
    }
  }

  static bool is_retryable(int res, bool cancel_requested) noexcept {
    // A cancelled op is never resubmitted: nobody would cancel the retry, and a dropping
    // holder that borrows memory waits for its completion (cancelled io-wq work ends with
    // -EINTR; a cancel before submit makes a NOP whose result a fault ring may rewrite).
    if (cancel_requested) return false;
    return res == -EAGAIN || res == -EINTR || res == -ENOBUFS || res == -ECANCELED;
  }

  void complete_op(detail::op_state* op, std::int32_t res, std::uint32_t flags) {
    op->sqe = nullptr;
    if (op->retryable && op->retries < max_retries && !shut_down_) {
      op->lock.lock();
      const bool cancel = op->cancel_requested;
      op->lock.unlock();
      if (is_retryable(res, cancel)) {
        ++op->retries;
        io_uring_sqe* sqe = acquire_sqe();
        std::memcpy(static_cast<void*>(sqe), op->sqe_copy, sizeof op->sqe_copy);
        io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(op));
        op->sqe = sqe;
        op->flush_gen = flush_gen_;
        return;
      }
    }
    std::optional<waker> w;
    op->lock.lock();
    op->res = (res == -ECANCELED && !op->cancel_requested) ? -EINTR : res;
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
    } else if (w) {
      std::move(*w).wake();
    }
    op->release();  // the kernel's reference
  }

  std::size_t fire_timers() {
    if (wheel_.empty()) return 0;
    std::size_t n = 0;
    wheel_.advance(time::detail::now_tick(), [&n](time::detail::timer_entry* e) {
      ++n;
      static_cast<detail::timer_node*>(e)->unlinked(/*orphan=*/false);
    });
    return n;
  }

  std::unique_ptr<ring> ring_;
  time::detail::timer_wheel wheel_;
  bool auto_advance_ = false;
  bool long_lived_ = false;
  int event_fd_ = -1;
  std::uint64_t event_buf_ = 0;
  bool wake_armed_ = false;
  bool shut_down_ = false;
  const std::thread::id owner_thread_ = std::this_thread::get_id();
  std::size_t ops_in_flight_ = 0;
  std::size_t msg_in_flight_ = 0;
  std::uint64_t flush_gen_ = 1;
  std::size_t listener_ = 0;
  weft::detail::atomic<std::uint32_t> park_state_{empty};
  std::mutex remote_mu_;
  detail::remote_request* remote_head_ = nullptr;
  detail::timer_node* removals_ = nullptr;  // guarded by remote_mu_
  bool closed_ = false;                     // guarded by remote_mu_
  weft::detail::atomic<bool> remote_pending_{false};
};

/// The driver factory for runtime_builder::driver(): one uring_driver per worker.
inline driver_factory uring_driver_factory(driver_options base = {}) {
  return [base](const driver_config& cfg) -> std::unique_ptr<weft::driver> {
    driver_options o = base;
    if (o.sq_entries == 256 && cfg.sq_entries != 0) o.sq_entries = cfg.sq_entries;
    if (o.cq_entries == 0) o.cq_entries = cfg.cq_entries;
    o.auto_advance = o.auto_advance || cfg.auto_advance;
    o.long_lived = cfg.worker >= 0;
    return std::make_unique<uring_driver>(o);
  };
}

namespace detail {
/// Makes the reactor the default driver of every runtime in a program that includes weft's
/// I/O layer (as <weft/weft.hpp> does). Runs during static initialization.
inline const bool uring_driver_registered = [] {
  weft::detail::default_driver_factory() = uring_driver_factory();
  return true;
}();
} // namespace detail

} // namespace weft::io
