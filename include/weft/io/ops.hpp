// weft/io/ops.hpp: the basic operations on file descriptors: nop, read, write, close, and a
// kernel timeout; plus read_exact / write_all loops. Networking and files build their nouns
// on these (net/, fs/). Each has an io_uring form and an epoll form (op_future.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "weft/core/result.hpp"
#include "weft/io/op_future.hpp"
#include "weft/task/task.hpp"

namespace weft::io {

namespace detail {
/// One read(2)-style transfer's byte count capped like the kernel caps it (MAX_RW_COUNT).
inline std::size_t rw_cap(std::size_t n) noexcept { return n > 0x7ffff000u ? 0x7ffff000u : n; }

inline std::int32_t res_of(ssize_t n) noexcept {
  return n >= 0 ? static_cast<std::int32_t>(n) : -errno;
}

/// The epoll form's non-blocking attempt of a read: preadv2(RWF_NOWAIT) makes it
/// non-blocking whatever the fd's O_NONBLOCK (pipes, sockets, cached file pages); an fd type
/// without NOWAIT support is tried directly only when it is O_NONBLOCK, else -EOPNOTSUPP
/// sends the read to the blocking pool.
inline std::int32_t try_read(int fd, std::span<std::byte> buf, std::int64_t offset) noexcept {
  iovec iov{buf.data(), rw_cap(buf.size())};
  const std::int32_t r = res_of(::preadv2(fd, &iov, 1, offset, RWF_NOWAIT));
  if (r != -EOPNOTSUPP) return r;
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK) == 0) return -EOPNOTSUPP;
  return res_of(offset < 0 ? ::read(fd, iov.iov_base, iov.iov_len)
                           : ::pread(fd, iov.iov_base, iov.iov_len, offset));
}
inline std::int32_t try_write(int fd, std::span<const std::byte> buf, std::int64_t offset) noexcept {
  iovec iov{const_cast<std::byte*>(buf.data()), rw_cap(buf.size())};
  const std::int32_t r = res_of(::pwritev2(fd, &iov, 1, offset, RWF_NOWAIT));
  if (r != -EOPNOTSUPP) return r;
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK) == 0) return -EOPNOTSUPP;
  return res_of(offset < 0 ? ::write(fd, iov.iov_base, iov.iov_len)
                           : ::pwrite(fd, iov.iov_base, iov.iov_len, offset));
}
/// The blocking-pool forms (regular files, fds without NOWAIT support).
inline std::int32_t blocking_read(int fd, std::span<std::byte> buf, std::int64_t offset) noexcept {
  const std::size_t n = rw_cap(buf.size());
  for (;;) {
    const std::int32_t r =
        res_of(offset < 0 ? ::read(fd, buf.data(), n) : ::pread(fd, buf.data(), n, offset));
    if (r != -EINTR) return r;
  }
}
inline std::int32_t blocking_write(int fd, std::span<const std::byte> buf,
                                   std::int64_t offset) noexcept {
  const std::size_t n = rw_cap(buf.size());
  for (;;) {
    const std::int32_t r =
        res_of(offset < 0 ? ::write(fd, buf.data(), n) : ::pwrite(fd, buf.data(), n, offset));
    if (r != -EINTR) return r;
  }
}

/// kernel_timeout's epoll form: a timerfd made on the first poll (arm), owned by the future.
class timerfd_form {
public:
  explicit timerfd_form(std::chrono::nanoseconds d) noexcept : d_(d) {}
  timerfd_form(timerfd_form&& o) noexcept : fd(std::exchange(o.fd, -1)), d_(o.d_) {}
  timerfd_form& operator=(timerfd_form&&) = delete;
  ~timerfd_form() {
    if (fd >= 0) ::close(fd);
  }
  std::int32_t arm() noexcept {
    fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) return -errno;
    const auto ns = d_.count() <= 0 ? 1 : d_.count();  // a zero it_value would disarm it
    itimerspec its{};
    its.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    its.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    if (::timerfd_settime(fd, 0, &its, nullptr) != 0) return -errno;
    return 0;
  }
  std::int32_t try_now() noexcept {
    std::uint64_t expirations = 0;
    const std::int32_t r = res_of(::read(fd, &expirations, sizeof expirations));
    return r < 0 ? r : -ETIME;  // expiry is the timeout's success, as IORING_OP_TIMEOUT says
  }

  int fd = -1;
  std::uint32_t events = EPOLLIN;

private:
  std::chrono::nanoseconds d_;
};
} // namespace detail

/// Submits an IORING_OP_NOP and completes when its CQE arrives (a full round trip through
/// the reactor). Cancel-safe. On epoll it completes on its first poll.
inline auto nop() {
  return make_op([](io_uring_sqe* sqe, detail::op_state&) { io_uring_prep_nop(sqe); },
                 detail::to_void, op_traits{},
                 readiness(-1, 0, []() noexcept -> std::int32_t { return 0; }));
}

/// Reads up to `buf.size()` bytes from `fd` (at `offset`, or the file position when -1).
/// Returns the count; 0 means end of file (or `buf` was empty).
///
/// Cancellation: dropping it cancels the read; the destructor waits until the kernel no
/// longer writes into `buf`. Bytes already read by a cancelled read are lost (not
/// cancel-safe on streams).
/// On epoll: a non-blocking attempt (RWF_NOWAIT) and a readiness wait on EAGAIN; regular
/// files (not pollable) and fds without NOWAIT support read on the blocking pool, and a drop
/// then waits for that read to return.
inline auto read(int fd, std::span<std::byte> buf, std::int64_t offset = -1) {
  return make_op(
      [fd, buf, offset](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_read(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()),
                           static_cast<std::uint64_t>(offset));
      },
      detail::to_size, op_traits{.borrows_memory = true},
      readiness_or_blocking(
          fd, EPOLLIN, [fd, buf, offset]() noexcept { return detail::try_read(fd, buf, offset); },
          [fd, buf, offset]() noexcept { return detail::blocking_read(fd, buf, offset); }));
}

/// Writes up to `buf.size()` bytes to `fd` (at `offset`, or the file position when -1).
/// Returns the count written (may be short).
///
/// Cancellation: the destructor waits until the kernel no longer reads `buf`.
/// On epoll: as read, waiting for EPOLLOUT.
inline auto write(int fd, std::span<const std::byte> buf, std::int64_t offset = -1) {
  return make_op(
      [fd, buf, offset](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_write(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()),
                            static_cast<std::uint64_t>(offset));
      },
      detail::to_size, op_traits{.borrows_memory = true},
      readiness_or_blocking(
          fd, EPOLLOUT, [fd, buf, offset]() noexcept { return detail::try_write(fd, buf, offset); },
          [fd, buf, offset]() noexcept { return detail::blocking_write(fd, buf, offset); }));
}

/// Closes `fd` through the ring. Not retried (a close is never repeated). On epoll: close(2)
/// on the first poll (its EINTR means closed, as on Linux it always does).
inline auto close(int fd) {
  return make_op([fd](io_uring_sqe* sqe, detail::op_state&) { io_uring_prep_close(sqe, fd); },
                 detail::to_void, op_traits{.retryable = false},
                 readiness(-1, 0, [fd]() noexcept -> std::int32_t {
                   const std::int32_t r = detail::res_of(::close(fd));
                   return r == -EINTR ? 0 : r;
                 }));
}

/// An IORING_OP_TIMEOUT that completes after `d` (the kernel's timer, not the wheel).
/// Cancel-safe. On epoll: a timerfd (CLOCK_MONOTONIC) the future owns.
inline auto kernel_timeout(std::chrono::nanoseconds d) {
  return make_op(
      [d](io_uring_sqe* sqe, detail::op_state& op) {
        op.payload.ts.tv_sec = d.count() / 1'000'000'000;
        op.payload.ts.tv_nsec = d.count() % 1'000'000'000;
        io_uring_prep_timeout(sqe, &op.payload.ts, 0, 0);
      },
      detail::to_timeout,
      op_traits{.retryable = false}, detail::timerfd_form(d));
}

/// The error read_exact reports when the stream ends before the buffer is full
/// (std::errc::no_message_available, which read(2) itself never returns).
inline std::error_code unexpected_eof() noexcept {
  return std::make_error_code(std::errc::no_message_available);
}

/// Reads exactly `buf.size()` bytes at the stream position, retrying short reads.
/// Errors: unexpected_eof() when the stream ends first; the read's error otherwise.
inline task<result<void>> read_exact(int fd, std::span<std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    auto n = co_await read(fd, buf.subspan(done));
    if (!n) co_return n.error();
    if (*n == 0) co_return unexpected_eof();
    done += *n;
  }
  co_return result<void>{};
}

/// Writes all of `buf`, retrying short writes.
inline task<result<void>> write_all(int fd, std::span<const std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    auto n = co_await write(fd, buf.subspan(done));
    if (!n) co_return n.error();
    if (*n == 0) co_return std::make_error_code(std::errc::io_error);
    done += *n;
  }
  co_return result<void>{};
}

} // namespace weft::io
