// weft/net/unix_stream.hpp: unix_stream, a connected unix-domain stream socket: connect (to a
// path or an abstract '@name'), pair() (socketpair), and the same read / write / shutdown
// surface as tcp_stream.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <sys/socket.h>

#include "weft/core/result.hpp"
#include "weft/io/socket_ops.hpp"
#include "weft/net/detail/byte_stream.hpp"
#include "weft/net/detail/owned_fd.hpp"
#include "weft/net/detail/unix_path.hpp"
#include "weft/task/task.hpp"

namespace weft::net {

/// A connected unix stream socket. Cancel safety, thread safety and errors as tcp_stream.
class unix_stream {
public:
  unix_stream() noexcept = default;
  explicit unix_stream(int fd) noexcept : fd_(fd) {}

  /// Connects to `name` (a path, or '@name' for the abstract namespace).
  /// Cancellation: dropping it cancels the connect and closes the socket.
  /// Errors: ENOENT / ECONNREFUSED when nobody listens; ENAMETOOLONG, EINVAL for bad names.
  static task<result<unix_stream>> connect(std::string name) {
    auto a = detail::make_unix_sockaddr(name);
    if (!a) co_return a.error();
    auto s = detail::make_socket(AF_UNIX, SOCK_STREAM);
    if (!s) co_return s.error();
    auto r = co_await io::connect(s->get(), a->data(), a->len);
    if (!r) co_return r.error();
    co_return unix_stream(s->release());
  }

  /// A connected pair (socketpair), both close-on-exec.
  static result<std::pair<unix_stream, unix_stream>> pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return detail::last_error();
    return std::pair<unix_stream, unix_stream>(unix_stream(fds[0]), unix_stream(fds[1]));
  }

  /// Receives whatever has arrived (up to one pool buffer, about 16 KiB) into a buffer taken
  /// from this thread's pool when the data is there: waiting holds no buffer. The buffer goes
  /// back when the pooled_buffer is dropped. Empty = end of stream.
  /// Cancellation: cancel-safe (bytes are only taken with a buffer that is returned to you).
  /// Errors: as read(); a pool exhaustion is not an error (a heap buffer is used instead).
  auto recv_pooled() { return detail::stream_recv_pooled(fd_.get()); }
  /// Cancel-safe.
  auto read(std::span<std::byte> buf) { return detail::stream_read(fd_.get(), buf); }
  /// Bytes already read by a dropped read_exact are lost to the stream.
  task<result<void>> read_exact(std::span<std::byte> buf) {
    return detail::stream_read_exact(fd_.get(), buf);
  }
  /// Cancel-safe.
  auto write(std::span<const std::byte> buf) { return detail::stream_write(fd_.get(), buf); }
  /// A dropped write_all may have sent a prefix of `buf`.
  task<result<void>> write_all(std::span<const std::byte> buf) {
    return detail::stream_write_all(fd_.get(), buf);
  }
  /// Cancel-safe.
  auto writev(std::span<const iovec> iov) { return detail::stream_writev(fd_.get(), iov); }
  task<result<void>> write_all_vectored(std::span<const std::span<const std::byte>> bufs) {
    return detail::stream_writev_all(fd_.get(), bufs);
  }
  result<void> shutdown(int how = SHUT_WR) {
    if (!fd_.valid()) return make_error(EBADF);
    if (::shutdown(fd_.get(), how) != 0) return detail::last_error();
    return {};
  }

  /// The names ('@x' abstract, "" unnamed).
  [[nodiscard]] result<std::string> local_addr() const {
    if (!fd_.valid()) return make_error(EBADF);
    return detail::unix_local_name(fd_.get());
  }
  [[nodiscard]] result<std::string> peer_addr() const {
    if (!fd_.valid()) return make_error(EBADF);
    return detail::unix_peer_name(fd_.get());
  }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }
  /// Preconditions: no operation of this stream is in flight.
  void close() noexcept { fd_.reset(); }

private:
  detail::owned_fd fd_;
};

} // namespace weft::net
