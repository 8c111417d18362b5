// weft/io/ops.hpp: the basic operations on file descriptors: nop, read, write, close, and a
// kernel timeout; plus read_exact / write_all loops. Networking and files build their nouns
// on these (net/, fs/).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "weft/core/result.hpp"
#include "weft/io/op_future.hpp"
#include "weft/task/task.hpp"

namespace weft::io {

/// Submits an IORING_OP_NOP and completes when its CQE arrives (a full round trip through
/// the reactor). Cancel-safe.
inline auto nop() {
  return make_op([](io_uring_sqe* sqe, detail::op_state&) { io_uring_prep_nop(sqe); },
                 detail::to_void, op_traits{});
}

/// Reads up to `buf.size()` bytes from `fd` (at `offset`, or the file position when -1).
/// Returns the count; 0 means end of file (or `buf` was empty).
///
/// Cancellation: dropping it cancels the read; the destructor waits until the kernel no
/// longer writes into `buf`. Bytes already read by a cancelled read are lost (not
/// cancel-safe on streams).
inline auto read(int fd, std::span<std::byte> buf, std::int64_t offset = -1) {
  return make_op(
      [fd, buf, offset](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_read(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()),
                           static_cast<std::uint64_t>(offset));
      },
      detail::to_size, op_traits{.borrows_memory = true});
}

/// Writes up to `buf.size()` bytes to `fd` (at `offset`, or the file position when -1).
/// Returns the count written (may be short).
///
/// Cancellation: the destructor waits until the kernel no longer reads `buf`.
inline auto write(int fd, std::span<const std::byte> buf, std::int64_t offset = -1) {
  return make_op(
      [fd, buf, offset](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_write(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()),
                            static_cast<std::uint64_t>(offset));
      },
      detail::to_size, op_traits{.borrows_memory = true});
}

/// Closes `fd` through the ring. Not retried (a close is never repeated).
inline auto close(int fd) {
  return make_op([fd](io_uring_sqe* sqe, detail::op_state&) { io_uring_prep_close(sqe, fd); },
                 detail::to_void, op_traits{.retryable = false});
}

/// An IORING_OP_TIMEOUT that completes after `d` (the kernel's timer, not the wheel).
/// Cancel-safe.
inline auto kernel_timeout(std::chrono::nanoseconds d) {
  return make_op(
      [d](io_uring_sqe* sqe, detail::op_state& op) {
        op.payload.ts.tv_sec = d.count() / 1'000'000'000;
        op.payload.ts.tv_nsec = d.count() % 1'000'000'000;
        io_uring_prep_timeout(sqe, &op.payload.ts, 0, 0);
      },
      detail::to_timeout,
      op_traits{.retryable = false});
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
