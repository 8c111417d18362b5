// weft/net/detail/byte_stream.hpp: the byte-stream operations shared by tcp_stream,
// unix_stream and their halves: read, read_exact, write, write_all, vectored writes, over a
// connected stream socket fd that the caller keeps alive. All cancel-safe except where said.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "weft/core/result.hpp"
#include "weft/io/ops.hpp"
#include "weft/net/detail/readiness.hpp"
#include "weft/net/pooled_buffer.hpp"
#include "weft/task/task.hpp"

namespace weft::net::detail {

/// Reads up to `buf.size()` bytes; 0 = end of stream (or an empty `buf`).
inline auto stream_read(int fd, std::span<std::byte> buf) {
  return make_readiness(fd, POLLIN | POLLRDHUP, [fd, buf]() -> std::optional<result<std::size_t>> {
    if (buf.empty()) {  // TCP would answer EAGAIN until data arrives: an empty read is 0 now
      if (fd < 0) return result<std::size_t>(make_error(EBADF));
      return result<std::size_t>(std::size_t{0});
    }
    return count_or_block(::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT));
  });
}

/// Waits for data, then receives it into a buffer taken from the thread's pool (a heap
/// buffer when the pool is exhausted). An empty pooled_buffer means end of stream.
inline auto stream_recv_pooled(int fd) {
  return make_readiness(fd, POLLIN | POLLRDHUP, [fd]() -> std::optional<result<pooled_buffer>> {
    detail::buffer_header* b = buffer_pool::current().take();
    if (b == nullptr) b = buffer_pool::take_fallback();
    const ssize_t n = ::recv(fd, b->bytes(), buffer_pool::buffer_size, MSG_DONTWAIT);
    if (n > 0) return result<pooled_buffer>(std::in_place, b, static_cast<std::size_t>(n));
    const int err = errno;
    buffer_pool::give_back(b);  // nothing was read into it
    if (n == 0) return result<pooled_buffer>(std::in_place);
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return std::nullopt;
    return result<pooled_buffer>(make_error(err));
  });
}

/// Writes up to `buf.size()` bytes (at least one unless `buf` is empty).
inline auto stream_write(int fd, std::span<const std::byte> buf) {
  return make_readiness(fd, POLLOUT, [fd, buf] {
    return count_or_block(::send(fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_NOSIGNAL));
  });
}

/// One sendmsg of the buffers in order; returns the count written (may be short).
inline auto stream_writev(int fd, std::span<const iovec> iov) {
  return make_readiness(fd, POLLOUT, [fd, iov] {
    msghdr m{};
    m.msg_iov = const_cast<iovec*>(iov.data());  // Safety: sendmsg only reads it
    m.msg_iovlen = iov.size();
    return count_or_block(::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL));
  });
}

inline task<result<void>> stream_read_exact(int fd, std::span<std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    auto n = co_await stream_read(fd, buf.subspan(done));
    if (!n) co_return n.error();
    if (*n == 0) co_return io::unexpected_eof();
    done += *n;
  }
  co_return result<void>{};
}

inline task<result<void>> stream_write_all(int fd, std::span<const std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    auto n = co_await stream_write(fd, buf.subspan(done));
    if (!n) co_return n.error();
    done += *n;
  }
  co_return result<void>{};
}

/// Writes every byte of every buffer, retrying short vectored writes.
inline task<result<void>> stream_writev_all(int fd, std::span<const std::span<const std::byte>> bufs) {
  std::vector<iovec> iov;
  iov.reserve(bufs.size());
  for (auto b : bufs) {
    if (!b.empty()) iov.push_back(iovec{const_cast<std::byte*>(b.data()), b.size()});
  }
  std::size_t first = 0;
  while (first < iov.size()) {
    auto n = co_await stream_writev(fd, std::span<const iovec>(iov).subspan(first));
    if (!n) co_return n.error();
    std::size_t left = *n;
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<std::byte*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  co_return result<void>{};
}

} // namespace weft::net::detail
