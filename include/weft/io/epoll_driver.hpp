// weft/io/epoll_driver.hpp: epoll_driver, the readiness reactor for hosts without io_uring: one
// epoll instance per worker (and per block_on thread). Leaf futures try their system call
// first and, only on EAGAIN, register a readiness wait here (op_future.hpp); the driver wakes
// them when the fd is ready, and they retry the call themselves on their next poll. It also
// runs the thread's timers (the reactor base's time_driver, the nearest deadline being the
// epoll_pwait2 timeout), serves requests from other threads (the mailbox) and parks the
// thread inside epoll_pwait2, woken by an eventfd.
//
// Registration: level-triggered and one-shot (EPOLLONESHOT). Every wait re-arms its fd with
// EPOLL_CTL_MOD (EPOLL_CTL_ADD when the instance does not know the fd) for the union of the
// interests waiting on it; an event disarms it and wakes the waiters it concerns; waiters
// left are re-armed. Level-triggered: a readiness that exists when the fd is armed fires at
// once, so no edge is lost between the EAGAIN and the registration, or when a task moves to
// another worker and waits there. One-shot + re-arm per wait: the driver keeps no persistent
// registration, so an fd closed and reused behind weft's back (the kernel drops a closed
// file's registrations) never leaves a stale one that would swallow a wait. The price is one
// epoll_ctl per wait that found EAGAIN (a persistent edge-triggered registration would save
// it; it needs close tracking, future work).
//
// Protocol
// Roles: the owner thread (made the driver; the only one that touches fds_, waits_, the
// epoll instance's registrations, or the timers) and other threads (unpark, post_cancel,
// post_timer_removal — the reactor base's mailbox).
// - park_: a park_state. unpark() notifies and, only if the owner was parked, writes the
//   eventfd, registered level-triggered for EPOLLIN (the only persistent registration); the
//   owner drains it when it reports. The owner moves to PARKED before epoll_pwait2, so a wake
//   sent after that ends the wait, and a notification before it skips the wait.
// - park never blocks after dispatching anything (a timer, a readiness, a request).
// - A readiness wait is an op_state (refs: holder + "kernel" = the driver's fd table) linked in
//   fds_[fd]; it ends exactly once, by an event (res = the revents), a cancel (-ECANCELED) or
//   cancel_all / quiesce / shutdown (-ECANCELED, which the holder sees as -EINTR), through
//   op_state::finish. No memory is lent to the kernel: the holder's system call runs in its
//   own poll, so dropping a wait never waits.
// - epoll_event.data.u64 is the fd (the eventfd: wake_token). An event for an fd whose
//   waiters are gone (cancelled, or the number was reused) finds none or wakes a waiter
//   spuriously; a woken future retries its call and waits again on EAGAIN.
// Shutdown: every wait ends, the mailbox closes, the timers are orphaned; with nothing in
// flight teardown touches no other thread's state, so an idle driver may be destroyed anywhere.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <system_error>
#include <unordered_map>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "weft/detail/park_state.hpp"
#include "weft/io/clock.hpp"
#include "weft/io/op_state.hpp"
#include "weft/io/reactor.hpp"
#include "weft/runtime/driver.hpp"

namespace weft::io {

class epoll_driver final : public reactor {
public:
  /// A driver for the thread described by `cfg` (worker index, auto-advance; ring sizes are
  /// ignored). Errors: std::system_error when epoll_create1 or eventfd fails.
  explicit epoll_driver(const driver_config& cfg)
      : reactor(weft::io_backend::epoll, cfg.auto_advance) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::system_error(errno, std::system_category(), "weft: epoll_create1");
    event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (event_fd_ < 0) {
      const int e = errno;
      ::close(epoll_fd_);
      throw std::system_error(e, std::system_category(), "weft: eventfd");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = wake_token;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &ev) != 0) {
      const int e = errno;
      ::close(event_fd_);
      ::close(epoll_fd_);
      throw std::system_error(e, std::system_category(), "weft: epoll_ctl(eventfd)");
    }
    listener_ = time::detail::global_clock().add_listener([this] { unpark(); });
  }
  epoll_driver(const epoll_driver&) = delete;
  epoll_driver& operator=(const epoll_driver&) = delete;
  ~epoll_driver() override {
    shutdown();
    time::detail::global_clock().remove_listener(listener_);
    ::close(event_fd_);
    ::close(epoll_fd_);
  }

  /// The epoll driver of the calling thread, or null (none, or an io_uring one).
  static epoll_driver* current() noexcept {
    weft::driver* d = weft::current_driver();
    return d != nullptr ? static_cast<epoll_driver*>(d->downcast(&tag)) : nullptr;
  }
  void* downcast(const void* t) noexcept override {
    return t == &tag ? static_cast<void*>(this) : reactor::downcast(t);
  }

  /// The epoll instance's file descriptor (diagnostics and tests).
  [[nodiscard]] int epoll_fd() const noexcept { return epoll_fd_; }
  /// Readiness waits registered now.
  [[nodiscard]] std::size_t waits() const noexcept { return waits_; }

  // ---- weft::driver -----------------------------------------------------------------------

  void park(std::optional<std::chrono::nanoseconds> timeout) override {
    if (service() != 0) return;
    if (park_.consume()) {
      poll_events(zero());
      return;
    }
    std::optional<std::chrono::nanoseconds> wait = timeout;
    if (auto t = timers_.until_next(waits_ == 0); t && (!wait || *t < *wait)) wait = t;
    if (wait && wait->count() <= 0) {
      poll_events(zero());
      service();
      return;
    }
    // Readiness already there counts as dispatching too: take it instead of sleeping.
    if (waits_ != 0 && poll_events(zero()) != 0) return;
    if (!park_.begin_park()) {
      poll_events(zero());  // notified meanwhile
      return;
    }
    poll_events(wait);
    park_.end_park();
    service();
  }

  void unpark() noexcept override {
    if (!park_.notify()) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(event_fd_, &one, sizeof one);
  }

  void turn() override {
    if (waits_ != 0) poll_events(zero());
    service();
  }

  void quiesce() override {
    service();
    end_all_waits();
  }
  void cancel_all() override {
    service();
    end_all_waits();
  }
  void shutdown() override {
    if (shut_down_) return;
    shut_down_ = true;
    close_mailbox();
    end_all_waits();
    timers_.orphan_all();
  }
  [[nodiscard]] bool has_work_in_flight() const noexcept override { return waits_ != 0; }

  // ---- readiness waits (owner thread) -----------------------------------------------------

  /// Registers `op` (fresh: refs = holder + ours) as a wait for `events` (EPOLLIN, EPOLLOUT,
  /// ...) on `fd`, woken with the revents as its result. Returns 0, or the negative errno
  /// when the fd cannot be waited on (EPERM: a regular file; EBADF), `op` then untouched.
  int add_wait(detail::op_state* op, int fd, std::uint32_t events, const waker& w) {
    if (shut_down_) return -ECANCELED;
    op->owner = this;
    op->waker_ = w;
    op->wait_fd = fd;
    op->wait_events = events;
    fd_entry& e = fds_[fd];
    const int r = arm(fd, e.interest() | events);
    if (r < 0) {
      if (e.head == nullptr) fds_.erase(fd);
      op->owner = nullptr;
      op->waker_ = waker(nullptr, nullptr);
      return r;
    }
    e.link(op);
    ++waits_;
    return 0;
  }

  /// Cancels a readiness wait (owner thread): it ends now with -ECANCELED.
  void cancel(detail::op_state* op) override {
    op->lock.lock();
    const bool done = op->phase == detail::op_state::phase_t::completed;
    op->cancel_requested = true;
    op->lock.unlock();
    if (done) return;
    if (auto it = fds_.find(op->wait_fd); it != fds_.end()) {
      it->second.unlink(op);
      if (it->second.head == nullptr) fds_.erase(it);  // its armed interest fires into nothing
    }
    end_wait(op, -ECANCELED, 0);
  }

  /// A cancel ends a wait at once, so there is nothing to wait for; kept for the interface.
  void wait_completed(detail::op_state* op) override {
    for (;;) {
      op->lock.lock();
      const bool done = op->phase == detail::op_state::phase_t::completed;
      op->lock.unlock();
      if (done) return;
      poll_events(std::chrono::milliseconds(50));
      service_mail();
    }
  }

private:
  static constexpr std::uint64_t wake_token = ~std::uint64_t{0};
  static constexpr int batch = 128;
  static inline const char tag = 0;

  /// The waits on one fd: an intrusive doubly linked list through op_state::wait_next/prev.
  struct fd_entry {
    detail::op_state* head = nullptr;
    [[nodiscard]] std::uint32_t interest() const noexcept {
      std::uint32_t m = 0;
      for (auto* o = head; o != nullptr; o = o->wait_next) m |= o->wait_events;
      return m;
    }
    void link(detail::op_state* op) noexcept {
      op->wait_prev = nullptr;
      op->wait_next = head;
      if (head != nullptr) head->wait_prev = op;
      head = op;
    }
    void unlink(detail::op_state* op) noexcept {
      if (op->wait_prev != nullptr) {
        op->wait_prev->wait_next = op->wait_next;
      } else {
        head = op->wait_next;
      }
      if (op->wait_next != nullptr) op->wait_next->wait_prev = op->wait_prev;
      op->wait_next = op->wait_prev = nullptr;
    }
  };

  static constexpr std::optional<std::chrono::nanoseconds> zero() noexcept {
    return std::chrono::nanoseconds::zero();
  }

  /// Arms `fd` one-shot for `events`: MOD, or ADD when this instance does not know the fd.
  int arm(int fd, std::uint32_t events) noexcept {
    epoll_event ev{};
    ev.events = events | EPOLLONESHOT;
    ev.data.u64 = static_cast<std::uint64_t>(static_cast<std::uint32_t>(fd));
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
    if (errno != ENOENT) return -errno;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    return -errno;
  }

  void end_wait(detail::op_state* op, std::int32_t res, std::uint32_t revents) {
    --waits_;
    op->finish(res, revents);
    op->release();  // the fd table's reference
  }

  void end_all_waits() {
    while (!fds_.empty()) {
      auto it = fds_.begin();
      detail::op_state* op = it->second.head;
      fds_.erase(it);
      while (op != nullptr) {
        detail::op_state* next = op->wait_next;
        op->wait_next = op->wait_prev = nullptr;
        end_wait(op, -ECANCELED, 0);
        op = next;
      }
    }
  }

  /// One epoll_pwait2 (nullopt: no timeout); dispatches what it reports and returns how many
  /// readiness events woke waiters or the eventfd (the wake counts: something happened).
  std::size_t poll_events(std::optional<std::chrono::nanoseconds> timeout) {
    epoll_event evs[batch];
    int n;
    if (!timeout) {
      n = wait_syscall(evs, nullptr);
    } else {
      timespec ts{};
      const auto ns = timeout->count() < 0 ? 0 : timeout->count();
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      n = wait_syscall(evs, &ts);
    }
    if (n <= 0) return 0;  // timeout, or EINTR
    std::size_t woke = 0;
    for (int i = 0; i < n; ++i) woke += dispatch(evs[i]);
    return woke;
  }

  int wait_syscall(epoll_event* evs, const timespec* ts) noexcept {
    if (have_pwait2_) {
      const int n = ::epoll_pwait2(epoll_fd_, evs, batch, ts, nullptr);
      if (n >= 0 || errno != ENOSYS) return n;
      have_pwait2_ = false;  // before Linux 5.11: millisecond timeouts, rounded up
    }
    int ms = -1;
    if (ts != nullptr) {
      const long long ns = static_cast<long long>(ts->tv_sec) * 1'000'000'000 + ts->tv_nsec;
      const long long m = (ns + 999'999) / 1'000'000;
      ms = m > 0x7fffffff ? 0x7fffffff : static_cast<int>(m);
    }
    return ::epoll_wait(epoll_fd_, evs, batch, ms);
  }

  std::size_t dispatch(const epoll_event& ev) {
    if (ev.data.u64 == wake_token) {
      std::uint64_t v = 0;
      [[maybe_unused]] const ssize_t r = ::read(event_fd_, &v, sizeof v);  // level: drain it
      return 1;
    }
    const int fd = static_cast<int>(ev.data.u64);
    auto it = fds_.find(fd);
    if (it == fds_.end()) return 0;  // every waiter was cancelled: the one-shot is spent
    fd_entry& e = it->second;
    const std::uint32_t always = EPOLLERR | EPOLLHUP;
    std::size_t woke = 0;
    for (detail::op_state* op = e.head; op != nullptr;) {
      detail::op_state* next = op->wait_next;
      if ((ev.events & (op->wait_events | always)) != 0) {
        e.unlink(op);
        end_wait(op, static_cast<std::int32_t>(ev.events & 0x7fffffff), ev.events);
        ++woke;
      }
      op = next;
    }
    if (e.head == nullptr) {
      fds_.erase(it);
    } else if (const int r = arm(fd, e.interest()); r < 0) {
      // Re-arming the waiters left failed (the fd was closed): end them with the error.
      detail::op_state* op = e.head;
      fds_.erase(it);
      while (op != nullptr) {
        detail::op_state* next = op->wait_next;
        op->wait_next = op->wait_prev = nullptr;
        end_wait(op, r, 0);
        op = next;
      }
    }
    return woke;
  }

  // Owner thread only.
  int epoll_fd_ = -1;
  int event_fd_ = -1;
  bool shut_down_ = false;
  bool have_pwait2_ = true;
  std::size_t waits_ = 0;
  std::unordered_map<int, fd_entry> fds_;
  std::size_t listener_ = 0;
  // Any thread.
  weft::detail::park_state park_;
};

/// The driver factory for runtime_builder::driver(): one epoll_driver per worker and block_on
/// thread.
inline driver_factory epoll_driver_factory() {
  return [](const driver_config& cfg) -> std::unique_ptr<weft::driver> {
    return std::make_unique<epoll_driver>(cfg);
  };
}

} // namespace weft::io
