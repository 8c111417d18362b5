// weft/io/socket_ops.hpp: the socket operations as io_uring op descriptors (make_op: a prep
// lambda filling the SQE, a map turning the CQE result into a result<T>): readiness polls,
// accept, connect, recv, send, sendmsg, shutdown. The user-facing nouns live in net/; they
// combine these with non-blocking system calls (net/detail/readiness.hpp).
//
// Every send sets MSG_NOSIGNAL: a reset peer is an EPIPE/ECONNRESET value, never SIGPIPE.
// Every fd an op creates is close-on-exec, and is closed when nobody takes the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "weft/core/result.hpp"
#include "weft/io/op_future.hpp"

namespace weft::io {

namespace detail {
inline result<unsigned> to_events(std::int32_t res) {
  if (res < 0) return make_error(-res);
  return static_cast<unsigned>(res);
}
} // namespace detail

/// Waits until `fd` is ready for `events` (POLLIN, POLLOUT, ...) with a one-shot
/// IORING_OP_POLL_ADD. Returns the ready events (POLLERR/POLLHUP included when they hold).
/// Cancellation: cancel-safe (it consumes nothing).
inline auto poll_ready(int fd, unsigned events) {
  return make_op(
      [fd, events](io_uring_sqe* sqe, detail::op_state&) { io_uring_prep_poll_add(sqe, fd, events); },
      detail::to_events, op_traits{});
}

/// Accepts one connection on the listening socket `fd` (IORING_OP_ACCEPT); the new fd is
/// close-on-exec (plus `flags`, e.g. SOCK_NONBLOCK). The peer address is not returned (ask
/// getpeername).
/// Cancellation: dropping it after the kernel accepted closes the new fd (the connection is
/// reset: not cancel-safe; net::tcp_listener::accept is).
inline auto accept(int fd, int flags = 0) {
  return make_op(
      [fd, flags](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_accept(sqe, fd, nullptr, nullptr, flags | SOCK_CLOEXEC);
      },
      detail::to_fd, op_traits{.resource = detail::op_resource::fd});
}

/// Connects `fd` to `addr` (IORING_OP_CONNECT). The address is copied into the op, so the
/// caller's copy may go away after the call.
/// Preconditions: `len` <= 128 bytes (any sockaddr but sockaddr_storage fits).
/// Cancellation: dropping it cancels the connect; the socket is then in an unspecified
/// state and should be closed.
inline auto connect(int fd, const sockaddr* addr, socklen_t len) {
  WEFT_CHECK(len <= sizeof(detail::op_state::payload_t), "socket address too long for connect");
  struct addr_copy {
    unsigned char bytes[sizeof(detail::op_state::payload_t)];
    socklen_t len;
  } copy{};
  std::memcpy(copy.bytes, addr, len);
  copy.len = len;
  return make_op(
      [fd, copy](io_uring_sqe* sqe, detail::op_state& op) {
        std::memcpy(op.payload.bytes, copy.bytes, copy.len);
        io_uring_prep_connect(sqe, fd, reinterpret_cast<const sockaddr*>(op.payload.bytes),
                              copy.len);
      },
      detail::to_void, op_traits{.retryable = false});
}

/// Receives up to `buf.size()` bytes (IORING_OP_RECV). 0 means the peer shut down (or
/// `buf` was empty).
/// Cancellation: the destructor waits until the kernel no longer writes into `buf`; bytes
/// received by an op dropped after completing are lost (not cancel-safe; net's read is).
inline auto recv(int fd, std::span<std::byte> buf, int flags = 0) {
  return make_op(
      [fd, buf, flags](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_recv(sqe, fd, buf.data(), buf.size(), flags);
      },
      detail::to_size, op_traits{.borrows_memory = true});
}

/// Sends up to `buf.size()` bytes (IORING_OP_SEND, MSG_NOSIGNAL always). Returns the count
/// sent (may be short).
/// Cancellation: the destructor waits until the kernel no longer reads `buf`; a dropped
/// send may have sent a prefix of `buf`.
inline auto send(int fd, std::span<const std::byte> buf, int flags = 0) {
  return make_op(
      [fd, buf, flags](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_send(sqe, fd, buf.data(), buf.size(), flags | MSG_NOSIGNAL);
      },
      detail::to_size, op_traits{.borrows_memory = true});
}

/// Sends the buffers `iov` in order with one sendmsg (IORING_OP_SENDMSG, MSG_NOSIGNAL).
/// Preconditions: `iov` and the memory it points at stay valid until the op completes
/// (the destructor waits for that).
inline auto sendmsg(int fd, std::span<const iovec> iov, int flags = 0) {
  return make_op(
      [fd, iov, flags](io_uring_sqe* sqe, detail::op_state& op) {
        static_assert(sizeof(msghdr) <= sizeof(detail::op_state::payload_t));
        auto* m = new (op.payload.bytes) msghdr{};  // Safety: trivial type in op-owned bytes
        m->msg_iov = const_cast<iovec*>(iov.data());  // Safety: sendmsg only reads it
        m->msg_iovlen = iov.size();
        io_uring_prep_sendmsg(sqe, fd, m, static_cast<unsigned>(flags | MSG_NOSIGNAL));
      },
      detail::to_size, op_traits{.borrows_memory = true});
}

/// shutdown(2) through the ring (IORING_OP_SHUTDOWN, 5.11). `how`: SHUT_RD, SHUT_WR,
/// SHUT_RDWR. Cancel-safe.
inline auto shutdown(int fd, int how) {
  return make_op([fd, how](io_uring_sqe* sqe, detail::op_state&) { io_uring_prep_shutdown(sqe, fd, how); },
                 detail::to_void, op_traits{.retryable = false});
}

} // namespace weft::io
