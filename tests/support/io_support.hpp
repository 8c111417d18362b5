// tests/support/io_support.hpp: helpers for the reactor (io) and time tests.
// - fds: fd_count / open_fds / fd_target over /proc/self/fd, a RAII pipe, drain / fill of a
//   pipe with non-blocking syscalls (outside weft);
// - clock_pause_guard: pauses weft's clock for a scope and always resumes it;
// - futures that drop a leaf at a chosen moment of its life:
//     poll_once_then_drop  (before submit: first poll queues the SQE, then it is dropped)
//     drop_after_wake      (after its CQE was processed, before the re-poll)
//     drop_after_polls     (polled n times, possibly completing, then dropped)
//   and heap_leaf, a leaf on the heap that is polled inside one task and destroyed anywhere
//   else (the future itself never moves, only the owning pointer does);
// - proxy_waker: lends a future a waker that counts wakes and forwards them to the task.
// Not here: the ledger ring (io_ledger_ring.hpp), watchdogs and sizes (runtime_support.hpp).
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "weft/core/future.hpp"
#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/io/backend.hpp"
#include "weft/time/clock.hpp"

/// Skips an io_uring-specific test (its name says so) where io_uring is unavailable for real;
/// WEFT_IO_BACKEND=epoll alone does not skip it (it asks for io_uring explicitly).
#ifndef WEFT_SKIP_WITHOUT_IO_URING
#define WEFT_SKIP_WITHOUT_IO_URING()                                                           \
  do {                                                                                         \
    if (!::weft::io::io_uring_availability().available)                                        \
      GTEST_SKIP() << "io_uring-specific, and io_uring is unavailable: "                        \
                   << ::weft::io::io_uring_availability().why_not;                             \
  } while (0)
#endif

namespace weft::test {

// ---- file descriptors ---------------------------------------------------------------------

/// The fds open in this process right now.
inline std::vector<int> open_fds() {
  std::vector<int> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    out.push_back(std::stoi(e.path().filename().string()));
  }
  return out;
}

/// How many fds are open (the directory iterator's own fd is not counted: it is closed by
/// the time the count is returned, and it was open during every call alike).
inline std::size_t fd_count() { return open_fds().size(); }

/// What an fd refers to ("pipe:[123]", "anon_inode:[io_uring]", ...), or "" if closed.
inline std::string fd_target(int fd) {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  return ec ? std::string() : p.string();
}

inline void set_nonblocking(int fd, bool on) {
  const int fl = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
}

/// A pipe closed on scope exit. The fds are blocking unless `flags` says otherwise.
class test_pipe {
public:
  explicit test_pipe(int flags = O_CLOEXEC) {
    int fds[2];
    if (::pipe2(fds, flags) != 0) std::abort();
    r_ = fds[0];
    w_ = fds[1];
  }
  test_pipe(const test_pipe&) = delete;
  test_pipe& operator=(const test_pipe&) = delete;
  ~test_pipe() {
    close_read();
    close_write();
  }
  [[nodiscard]] int r() const noexcept { return r_; }
  [[nodiscard]] int w() const noexcept { return w_; }
  void close_read() {
    if (r_ >= 0) ::close(std::exchange(r_, -1));
  }
  void close_write() {
    if (w_ >= 0) ::close(std::exchange(w_, -1));
  }
  /// Forgets the read end without closing it (it was closed elsewhere, e.g. by io::close).
  void release_read() { r_ = -1; }

private:
  int r_ = -1;
  int w_ = -1;
};

/// Reads everything currently buffered in the pipe behind `fd` (non-blocking, outside weft);
/// returns the bytes, appended to `out` if given.
inline std::size_t drain(int fd, std::vector<std::byte>* out = nullptr) {
  set_nonblocking(fd, true);
  std::size_t total = 0;
  std::byte buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
    if (out != nullptr) out->insert(out->end(), buf, buf + n);
  }
  set_nonblocking(fd, false);
  return total;
}

/// Writes into the pipe behind `fd` until it is full (non-blocking); returns the bytes.
inline std::size_t fill_pipe(int fd) {
  set_nonblocking(fd, true);
  std::size_t total = 0;
  const std::byte chunk[4096] = {};
  for (;;) {
    const ssize_t n = ::write(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
  }
  // A full pipe may still take fewer than 4096 bytes: top it up byte by byte.
  for (;;) {
    const ssize_t n = ::write(fd, chunk, 1);
    if (n <= 0) break;
    total += 1;
  }
  set_nonblocking(fd, false);
  return total;
}

// ---- the clock ----------------------------------------------------------------------------

/// Pauses weft's clock for the scope; resumes it on exit, even when an assertion failed.
class clock_pause_guard {
public:
  clock_pause_guard() { weft::time::pause(); }
  clock_pause_guard(const clock_pause_guard&) = delete;
  clock_pause_guard& operator=(const clock_pause_guard&) = delete;
  ~clock_pause_guard() { weft::time::resume(); }
};

// ---- wakers -------------------------------------------------------------------------------

/// A waker lent to an inner future: each wake bumps `wakes` and forwards to the task's
/// waker (refreshed on every poll). It holds no reference: the future polled with it must
/// not keep a clone past the proxy's life (leaf futures of weft release theirs when dropped
/// or completed, which is exactly what the tests using it check).
class proxy_waker {
public:
  proxy_waker() = default;
  proxy_waker(const proxy_waker&) = delete;
  proxy_waker& operator=(const proxy_waker&) = delete;

  /// Records the task's waker and returns the proxy to poll the inner future with.
  waker lend(const waker& task) {
    if (task_) {
      task_->clone_from(task);
    } else {
      task_.emplace(task);
    }
    return waker(this, &vtable);
  }
  [[nodiscard]] long wakes() const noexcept { return wakes_.load(); }

private:
  static proxy_waker* self(const void* d) {
    return static_cast<proxy_waker*>(const_cast<void*>(d));
  }
  static const void* clone(const void* d) { return d; }
  static void wake_by_ref(const void* d) {
    proxy_waker* s = self(d);
    s->wakes_.fetch_add(1);
    if (s->task_) s->task_->wake_by_ref();
  }
  static void wake(const void* d) { wake_by_ref(d); }
  static void drop(const void*) {}
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};

  std::optional<waker> task_;
  detail::atomic<long> wakes_{0};
};

// ---- futures that drop a leaf at a chosen moment -------------------------------------------

/// Polls `F` once and drops it in the same poll. Output: true when that poll was pending
/// (for io ops: the SQE was prepared but not yet handed to the kernel when it was dropped).
template <future F> class poll_once_then_drop {
public:
  explicit poll_once_then_drop(F f) : f_(std::in_place, std::move(f)) {}
  ::weft::poll<bool> poll(context& cx) {
    const bool was_pending = f_->poll(cx).is_pending();
    f_.reset();
    return ::weft::poll<bool>(std::in_place, was_pending);
  }

private:
  std::optional<F> f_;
};

/// Polls `F` once with a proxy waker, then yields (re-polling nothing) until the proxy was
/// woken, and drops `F` without polling it again: for io ops, dropped after the CQE was
/// processed but before the re-poll that would take the result. Output: the wakes seen.
template <future F> class drop_after_wake {
public:
  explicit drop_after_wake(F f) : f_(std::in_place, std::move(f)) {}
  ::weft::poll<long> poll(context& cx) {
    if (!polled_) {
      polled_ = true;
      const waker w = proxy_.lend(cx.waker());
      context inner(w);
      if (f_->poll(inner).is_ready()) {
        f_.reset();
        return ::weft::poll<long>(std::in_place, -1);  // finished at once: nothing to test
      }
    }
    if (proxy_.wakes() == 0) {
      cx.waker().wake_by_ref();  // yield: let the driver turn
      return pending;
    }
    f_.reset();
    return ::weft::poll<long>(std::in_place, proxy_.wakes());
  }

private:
  std::optional<F> f_;
  proxy_waker proxy_;
  bool polled_ = false;
};

/// What drop_after_polls saw.
template <class T> struct polls_outcome {
  std::optional<T> value;  ///< set when F completed within the polls
  int polls = 0;
};

/// Polls `F` on each of its first `n` polls (yielding in between) and drops it after the
/// n-th — or as soon as `stop()` says so — if it has not completed: a drop at a point chosen
/// by the caller (before submit, in flight, or completed-but-not-taken, depending on timing).
template <future F, class Stop = bool (*)()> class drop_after_polls {
  using T = detail::storable_t<future_output_t<F>>;

public:
  drop_after_polls(F f, int n, Stop stop = [] { return false; })
      : f_(std::in_place, std::move(f)), n_(n), stop_(std::move(stop)) {}
  ::weft::poll<polls_outcome<T>> poll(context& cx) {
    ++out_.polls;
    auto p = f_->poll(cx);
    if (p.is_ready()) {
      if constexpr (std::is_void_v<future_output_t<F>>) {
        out_.value.emplace();
      } else {
        out_.value.emplace(p.take());
      }
      f_.reset();
      return ::weft::poll<polls_outcome<T>>(std::in_place, std::move(out_));
    }
    if (out_.polls >= n_ || stop_()) {
      f_.reset();
      return ::weft::poll<polls_outcome<T>>(std::in_place, std::move(out_));
    }
    cx.waker().wake_by_ref();
    return pending;
  }

private:
  std::optional<F> f_;
  int n_;
  Stop stop_;
  polls_outcome<T> out_;
};

template <future F> drop_after_polls(F, int) -> drop_after_polls<F>;
template <future F, class Stop> drop_after_polls(F, int, Stop) -> drop_after_polls<F, Stop>;

/// A future that polls `f` (owned elsewhere, e.g. a local of the awaiting task) once and is
/// ready at once; output: whether `f` was pending. `f` must not be moved afterwards.
template <future F> auto poll_once_ref(F& f) {
  struct once {
    F* f;
    ::weft::poll<bool> poll(context& cx) {
      return ::weft::poll<bool>(std::in_place, f->poll(cx).is_pending());
    }
  };
  return once{&f};
}

/// A leaf future on the heap: polled in place by whichever task holds it, destroyed by
/// whoever resets the pointer (another worker, a foreign thread). The future never moves.
template <future F> class heap_leaf {
public:
  explicit heap_leaf(F f) : f_(std::make_unique<F>(std::move(f))) {}
  /// A future that polls the leaf once and is ready (output: whether the leaf was pending).
  auto poll_once() { return poll_once_ref(*f_); }
  F& get() { return *f_; }
  void reset() { f_.reset(); }
  [[nodiscard]] bool alive() const noexcept { return f_ != nullptr; }

private:
  std::unique_ptr<F> f_;
};

} // namespace weft::test
