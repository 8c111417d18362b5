// weft/net/detail/datagram.hpp: the datagram operations shared by udp_socket and
// unix_datagram: send_to / recv_from through sendmsg / recvmsg, cancel-safe (readiness), with
// truncation reported (MSG_TRUNC) instead of silently cutting a datagram.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "weft/core/result.hpp"
#include "weft/net/detail/readiness.hpp"

namespace weft::net::detail {

/// One received datagram as the kernel describes it.
struct raw_datagram {
  std::size_t size = 0;       ///< bytes copied into the buffer
  std::size_t full_size = 0;  ///< the datagram's length (> size when truncated)
  bool truncated = false;
  sockaddr_storage from{};
  socklen_t from_len = 0;
};

/// Receives one datagram into `buf` (the rest of a longer one is discarded, and reported).
inline auto dgram_recv_from(int fd, std::span<std::byte> buf) {
  return make_readiness(fd, POLLIN, [fd, buf]() -> std::optional<result<raw_datagram>> {
    raw_datagram d;
    iovec iov{buf.data(), buf.size()};
    msghdr m{};
    m.msg_name = &d.from;
    m.msg_namelen = sizeof d.from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd, &m, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::nullopt;
      return result<raw_datagram>(make_error(errno));
    }
    d.full_size = static_cast<std::size_t>(n);
    d.size = d.full_size < buf.size() ? d.full_size : buf.size();
    d.truncated = (m.msg_flags & MSG_TRUNC) != 0;
    d.from_len = m.msg_namelen;
    return result<raw_datagram>(d);
  });
}

/// Sends `buf` as one datagram to `to` (null: the connected peer). Returns the count sent.
/// Preconditions: `to` points at `len` bytes that outlive the future.
inline auto dgram_send_to(int fd, std::span<const std::byte> buf, const sockaddr* to, socklen_t len) {
  return make_readiness(fd, POLLOUT, [fd, buf, to, len] {
    iovec iov{const_cast<std::byte*>(buf.data()), buf.size()};  // Safety: sendmsg only reads
    msghdr m{};
    m.msg_name = const_cast<sockaddr*>(to);
    m.msg_namelen = to != nullptr ? len : 0;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    return count_or_block(::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL));
  });
}

} // namespace weft::net::detail
