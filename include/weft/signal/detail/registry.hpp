// weft/signal/detail/registry.hpp: the process-wide signal registry: the handler weft
// installs, the self-pipe it writes to, the per-signal arrival counters, the list of
// listeners, and the one pipe read on a reactor that turns arrivals into wakes.
//
// What weft does to the process: for each signal someone listens to (signal(sig) or
// ctrl_c()), the first listener installs a handler with sigaction(SA_RESTART), once, for the
// rest of the process's life (the previous disposition is not restored when the listeners
// go, as in tokio: a later SIGINT must not kill a server that is still shutting down). Signal
// masks are not touched, on any thread: the handler runs on whichever thread the kernel
// picks, so threads started before weft (or by other libraries) need no setup, which a
// signalfd would need (it sees only signals blocked in every thread). The handler adds one
// to the signal's counter and writes one byte into a non-blocking O_CLOEXEC pipe; both are
// async-signal-safe. A full pipe drops the byte, which is harmless: a wake is pending.
//
// Protocol
// Roles: the handler (any thread, any time), listeners (signal_stream, polled by tasks on
// any worker or block_on thread), and the pipe read's completion (the driver thread of the
// ring the read was started on).
// Fields:
//   arrivals[sig] — std::atomic, incremented by the handler only (see below for why not
//     weft::detail::atomic); listeners read it.
//   waiters_mu guards: the listener list, each listener's waker and `waiting`, observed[sig].
//   read_mu guards: read_op (the one IORING_OP_READ on the pipe, shared by all listeners).
//   Lock order: read_mu before waiters_mu; never the reverse.
// Invariants:
//   1. the handler increments arrivals[sig] before it writes the pipe byte, so a read that
//      completes after the write finds the new count (the syscalls order them);
//   2. a listener publishes its waker (waiters_mu) and then re-reads arrivals before it
//      returns pending: an arrival after that re-read writes a byte after it, completing a
//      read that is either in flight or started by this very poll, whose completion wakes
//      every waiting listener (broadcast waker) — so no arrival is left without a wake;
//   3. the read op is polled with the broadcast waker, never a task's: its completion does
//      not depend on which listener started it still being polled (a stream whose task moved
//      on to other work, or was dropped, cannot strand the others).
// Where the pipe read lives: on the ring of the thread whose listener found none in flight.
// A worker's ring is turned as long as its runtime runs; a block_on thread's lent ring is
// quiesced when its block_on returns (the read then completes as cancelled, which wakes
// everyone and a waiting listener re-arms it on its own ring). Known limit: a current-thread
// runtime between two block_on calls turns nobody's ring, so a read it holds waits for its
// next block_on; listeners on another runtime meanwhile wait too.
// Under ThreadSanitizer the handler itself is deferred until its thread next makes an
// intercepted call, so a signal sent to the process may wait while that thread sleeps in
// io_uring_enter (a TSan artifact; raise() on a thread that keeps running is prompt).
// Why std::atomic for arrivals: weft::detail::atomic is instrumented in chaos/model builds
// (yields, sleeps, an explorer's scheduling points), none of which may run inside a signal
// handler; a lock-free std::atomic<std::uint64_t> is async-signal-safe. Its operations are
// seq_cst.
#pragma once

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "weft/config.hpp"
#include "weft/core/context.hpp"
#include "weft/core/result.hpp"
#include "weft/core/waker.hpp"
#include "weft/io/ops.hpp"

namespace weft::signal::detail {

inline constexpr int max_signal = _NSIG;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

/// Written by the handler; zero-initialized at compile time (no static-init order issue).
inline std::atomic<std::uint64_t> arrivals[max_signal];
inline std::atomic<int> pipe_write_fd{-1};

inline void on_signal(int sig) noexcept {
  const int saved = errno;
  if (sig > 0 && sig < max_signal) arrivals[sig].fetch_add(1);
  const int fd = pipe_write_fd.load();
  if (fd >= 0) {
    const unsigned char b = static_cast<unsigned char>(sig);
    [[maybe_unused]] const ssize_t n = ::write(fd, &b, 1); // EAGAIN: a wake is pending anyway
  }
  errno = saved;
}

/// A listener's registration (one per signal_stream; its address never changes).
struct listener {
  int sig = 0;
  std::uint64_t seen = 0; // arrivals this listener has returned
  waker w{nullptr, nullptr};
  bool waiting = false;
  listener* prev = nullptr;
  listener* next = nullptr;
};

class registry {
public:
  /// The process's registry, never destroyed (signals may arrive during exit).
  static registry& get() {
    static registry* r = new registry();
    return *r;
  }

  /// Installs weft's handler for `sig` (once) and attaches `l`, which then receives every
  /// arrival no listener of `sig` has taken yet, and every later one.
  /// Errors: EINVAL for a signal that cannot be caught or that weft refuses (SIGKILL,
  /// SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP: handling those asynchronously makes
  /// no sense); pipe2/sigaction's errors.
  result<void> attach(listener& l, int sig) {
    if (sig <= 0 || sig >= max_signal || sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV ||
        sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP)
      return make_error(EINVAL);
    {
      std::lock_guard g(install_mu_);
      if (read_fd_ < 0) {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) return make_error(errno);
        // Only the write end is non-blocking: the handler must never block, while the read
        // end is read through io_uring, which waits for data (poll-armed) on it.
        ::fcntl(p[1], F_SETFL, ::fcntl(p[1], F_GETFL) | O_NONBLOCK);
        read_fd_ = p[0];
        pipe_write_fd.store(p[1]);
      }
      if (!installed_[sig]) {
        struct sigaction sa {};
        sa.sa_handler = &on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        if (::sigaction(sig, &sa, nullptr) != 0) return make_error(errno);
        installed_[sig] = true;
      }
    }
    std::lock_guard g(waiters_mu_);
    l.sig = sig;
    l.seen = observed_[sig];
    l.next = head_;
    l.prev = nullptr;
    if (head_ != nullptr) head_->prev = &l;
    head_ = &l;
    return {};
  }

  /// Detaches `l` (its waker is dropped).
  void detach(listener& l) noexcept {
    waker w(nullptr, nullptr);
    {
      std::lock_guard g(waiters_mu_);
      if (l.prev != nullptr) l.prev->next = l.next;
      if (l.next != nullptr) l.next->prev = l.prev;
      if (head_ == &l) head_ = l.next;
      l.prev = l.next = nullptr;
      l.waiting = false;
      w.swap(l.w);
    }
  }

  /// Takes one arrival for `l` if it has one it has not returned yet.
  bool take(listener& l) {
    if (arrivals[l.sig].load() <= l.seen) return false;
    ++l.seen;
    std::lock_guard g(waiters_mu_);
    if (observed_[l.sig] < l.seen) observed_[l.sig] = l.seen;
    l.waiting = false;
    return true;
  }

  /// Publishes `l`'s waker (invariant 2), then drives the shared pipe read. Returns true
  /// when the poll must look at the counters again (the read drained the pipe, or an
  /// arrival raced in); false when `l` may wait (a wake is guaranteed).
  bool wait(listener& l, context& cx) {
    {
      std::lock_guard g(waiters_mu_);
      l.w.clone_from(cx.waker());
      l.waiting = true;
    }
    if (arrivals[l.sig].load() > l.seen) return true;
    bool drained = false;
    {
      std::lock_guard g(read_mu_);
      if (!read_op_) read_op_.emplace(io::read(read_fd_, sink_));
      const waker bw(nullptr, &broadcast_vtable);
      context bcx(bw);
      auto r = read_op_->poll(bcx);
      if (r.is_ready()) {
        read_op_.reset();
        auto res = r.take();
        // ECANCELED/EINTR: the ring it ran on shut down; re-armed on the next wait.
        WEFT_CHECK(res || res.error() == std::errc::operation_canceled ||
                       res.error() == std::errc::interrupted,
                   "weft::signal: reading the signal pipe failed");
        drained = true;
      }
    }
    if (drained) wake_all();
    return drained;
  }

  /// The self-pipe's read end (-1 before the first attach); for tests and diagnostics.
  [[nodiscard]] int read_fd() {
    std::lock_guard g(install_mu_);
    return read_fd_;
  }

private:
  registry() = default;

  /// Wakes every waiting listener (they re-check their counters).
  void wake_all() {
    std::vector<waker> ws;
    {
      std::lock_guard g(waiters_mu_);
      for (listener* l = head_; l != nullptr; l = l->next) {
        if (!l->waiting || !l->w.valid()) continue;
        l->waiting = false;
        ws.emplace_back(nullptr, nullptr);
        ws.back().swap(l->w);
      }
    }
    for (auto& w : ws) std::move(w).wake();
  }

  // The waker the pipe read is polled with: waking it wakes every waiting listener.
  static const void* bw_clone(const void*) noexcept { return nullptr; }
  static void bw_wake(const void*) noexcept { get().wake_all(); }
  static void bw_drop(const void*) noexcept {}
  static constexpr waker_vtable broadcast_vtable{&bw_clone, &bw_wake, &bw_wake, &bw_drop};

  std::mutex install_mu_;
  bool installed_[max_signal] = {};
  int read_fd_ = -1;

  std::mutex waiters_mu_;
  listener* head_ = nullptr;
  std::uint64_t observed_[max_signal] = {};

  std::mutex read_mu_;
  std::byte sink_buf_[64] = {}; // the pipe bytes carry no information: only the wake counts
  std::span<std::byte> sink_{sink_buf_};
  std::optional<decltype(io::read(-1, std::span<std::byte>{}))> read_op_;
};

} // namespace weft::signal::detail
