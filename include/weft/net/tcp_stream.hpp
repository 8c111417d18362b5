// weft/net/tcp_stream.hpp: tcp_stream, a connected TCP socket: connect (cancellable, works
// under time::timeout), read / read_exact / write / write_all / vectored writes, shutdown,
// options, addresses, and into_split() into halves that two tasks use at once.
// Not here: accepting (tcp_listener.hpp), pooled receive (pooled_buffer.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "weft/core/result.hpp"
#include "weft/io/socket_ops.hpp"
#include "weft/net/detail/byte_stream.hpp"
#include "weft/net/detail/owned_fd.hpp"
#include "weft/net/lookup_host.hpp"
#include "weft/net/socket_address.hpp"
#include "weft/task/task.hpp"

namespace weft::net {

class tcp_read_half;
class tcp_write_half;

/// A connected TCP stream. Move-only; the socket closes when it is destroyed.
///
/// Thread safety: one read and one write may run at once (from two tasks, e.g. through
/// into_split()); two concurrent reads (or writes) interleave unpredictably.
/// Preconditions of every operation: the stream outlives the future it returned.
/// Errors: a closed or moved-from stream gives EBADF; a reset peer ECONNRESET or EPIPE
/// (never SIGPIPE: sends use MSG_NOSIGNAL).
class tcp_stream {
public:
  tcp_stream() noexcept = default;
  /// Adopts a connected TCP socket fd (weft makes them close-on-exec; yours should be).
  explicit tcp_stream(int fd) noexcept : fd_(fd) {}

  /// Connects to `addr`.
  /// Cancellation: dropping it (e.g. through time::timeout) cancels the connect and closes
  /// the socket; nothing leaks.
  /// Errors: ECONNREFUSED, ENETUNREACH, ETIMEDOUT, ...
  static task<result<tcp_stream>> connect(socket_address addr) {
    auto s = detail::make_socket(addr.family(), SOCK_STREAM);
    if (!s) co_return s.error();
    auto r = co_await io::connect(s->get(), addr.data(), addr.size());
    if (!r) co_return r.error();
    co_return tcp_stream(s->release());
  }

  /// Resolves `host:port` (lookup_host) and connects to the first address that accepts.
  /// Errors: the last connect's error, or the lookup's.
  static task<result<tcp_stream>> connect(std::string host_port) {
    auto addrs = co_await lookup_host(std::move(host_port));
    if (!addrs) co_return addrs.error();
    std::error_code last = make_error(ECONNREFUSED);
    for (const auto& a : *addrs) {
      auto s = co_await connect(a);
      if (s) co_return std::move(*s);
      last = s.error();
    }
    co_return last;
  }

  /// Receives whatever has arrived (up to one pool buffer, about 16 KiB) into a buffer taken
  /// from this thread's pool when the data is there: waiting holds no buffer. The buffer goes
  /// back when the pooled_buffer is dropped. Empty = end of stream.
  /// Cancellation: cancel-safe (bytes are only taken with a buffer that is returned to you).
  /// Errors: as read(); a pool exhaustion is not an error (a heap buffer is used instead).
  auto recv_pooled() { return detail::stream_recv_pooled(fd_.get()); }
  /// Reads up to `buf.size()` bytes; 0 means the peer closed its side (or `buf` is empty).
  /// Cancellation: cancel-safe (no bytes are taken from the socket unless it completes).
  auto read(std::span<std::byte> buf) { return detail::stream_read(fd_.get(), buf); }
  /// Reads exactly `buf.size()` bytes.
  /// Cancellation: bytes already read into `buf` by a dropped read_exact are lost to the
  /// stream (they sit in `buf`, but how many is not reported).
  /// Errors: io::unexpected_eof() when the peer closes first.
  task<result<void>> read_exact(std::span<std::byte> buf) {
    return detail::stream_read_exact(fd_.get(), buf);
  }
  /// Writes up to `buf.size()` bytes; returns the count (short under back-pressure).
  /// Cancellation: cancel-safe (nothing is sent unless it completes).
  auto write(std::span<const std::byte> buf) { return detail::stream_write(fd_.get(), buf); }
  /// Writes all of `buf`.
  /// Cancellation: a dropped write_all may have sent a prefix of `buf` (how much is not
  /// reported).
  task<result<void>> write_all(std::span<const std::byte> buf) {
    return detail::stream_write_all(fd_.get(), buf);
  }
  /// One vectored write (sendmsg) of `iov`; returns the count (may be short). Cancel-safe.
  auto writev(std::span<const iovec> iov) { return detail::stream_writev(fd_.get(), iov); }
  /// Writes every byte of `bufs` in order with vectored writes. Cancellation: as write_all.
  task<result<void>> write_all_vectored(std::span<const std::span<const std::byte>> bufs) {
    return detail::stream_writev_all(fd_.get(), bufs);
  }

  /// Shuts down reading, writing or both (SHUT_RD, SHUT_WR, SHUT_RDWR); immediate.
  result<void> shutdown(int how = SHUT_WR) {
    if (!fd_.valid()) return make_error(EBADF);
    if (::shutdown(fd_.get(), how) != 0) return detail::last_error();
    return {};
  }

  result<void> set_nodelay(bool on) { return detail::set_option(fd_, IPPROTO_TCP, TCP_NODELAY, on); }
  [[nodiscard]] result<bool> nodelay() const {
    auto v = detail::get_option(fd_, IPPROTO_TCP, TCP_NODELAY);
    if (!v) return v.error();
    return *v != 0;
  }
  /// SO_KEEPALIVE; with `idle_seconds` > 0 also TCP_KEEPIDLE (and TCP_KEEPINTVL the same).
  result<void> set_keepalive(bool on, int idle_seconds = 0) {
    if (auto r = detail::set_option(fd_, SOL_SOCKET, SO_KEEPALIVE, on); !r) return r;
    if (on && idle_seconds > 0) {
      if (auto r = detail::set_option(fd_, IPPROTO_TCP, TCP_KEEPIDLE, idle_seconds); !r) return r;
      return detail::set_option(fd_, IPPROTO_TCP, TCP_KEEPINTVL, idle_seconds);
    }
    return {};
  }
  [[nodiscard]] result<bool> keepalive() const {
    auto v = detail::get_option(fd_, SOL_SOCKET, SO_KEEPALIVE);
    if (!v) return v.error();
    return *v != 0;
  }
  /// SO_LINGER with a zero timeout: the next close sends RST instead of FIN.
  result<void> set_linger_reset() {
    if (!fd_.valid()) return make_error(EBADF);
    linger l{1, 0};
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l) != 0) return detail::last_error();
    return {};
  }

  [[nodiscard]] result<socket_address> peer_addr() const { return detail::peer_address(fd_); }
  [[nodiscard]] result<socket_address> local_addr() const { return detail::local_address(fd_); }

  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }
  [[nodiscard]] bool is_open() const noexcept { return fd_.valid(); }
  /// Closes the socket now. Preconditions: no operation of this stream is in flight.
  void close() noexcept { fd_.reset(); }

  /// Splits into an owned read half and write half (each may move to its own task); the
  /// socket closes when both are gone.
  inline std::pair<tcp_read_half, tcp_write_half> into_split() &&;

private:
  detail::owned_fd fd_;
};

/// The read side of a split tcp_stream. Cancel safety as tcp_stream's.
class tcp_read_half {
public:
  auto recv_pooled() { return detail::stream_recv_pooled(fd_->get()); }
  auto read(std::span<std::byte> buf) { return detail::stream_read(fd_->get(), buf); }
  task<result<void>> read_exact(std::span<std::byte> buf) {
    return detail::stream_read_exact(fd_->get(), buf);
  }
  [[nodiscard]] result<socket_address> peer_addr() const { return detail::peer_address(*fd_); }
  [[nodiscard]] int native_handle() const noexcept { return fd_->get(); }

private:
  friend class tcp_stream;
  explicit tcp_read_half(std::shared_ptr<detail::owned_fd> fd) noexcept : fd_(std::move(fd)) {}
  std::shared_ptr<detail::owned_fd> fd_;
};

/// The write side of a split tcp_stream. shutdown() sends FIN (the read half still reads).
class tcp_write_half {
public:
  auto write(std::span<const std::byte> buf) { return detail::stream_write(fd_->get(), buf); }
  task<result<void>> write_all(std::span<const std::byte> buf) {
    return detail::stream_write_all(fd_->get(), buf);
  }
  auto writev(std::span<const iovec> iov) { return detail::stream_writev(fd_->get(), iov); }
  result<void> shutdown() {
    if (::shutdown(fd_->get(), SHUT_WR) != 0) return detail::last_error();
    return {};
  }
  [[nodiscard]] int native_handle() const noexcept { return fd_->get(); }

private:
  friend class tcp_stream;
  explicit tcp_write_half(std::shared_ptr<detail::owned_fd> fd) noexcept : fd_(std::move(fd)) {}
  std::shared_ptr<detail::owned_fd> fd_;
};

inline std::pair<tcp_read_half, tcp_write_half> tcp_stream::into_split() && {
  auto fd = std::make_shared<detail::owned_fd>(std::move(fd_));
  return {tcp_read_half(fd), tcp_write_half(fd)};
}

} // namespace weft::net
