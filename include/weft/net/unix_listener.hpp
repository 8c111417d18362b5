// weft/net/unix_listener.hpp: unix_listener, a listening unix stream socket bound to a path or
// an abstract '@name'; accept (cancel-safe, EMFILE handled as tcp_listener's), local_addr.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <sys/socket.h>

#include "weft/core/result.hpp"
#include "weft/net/detail/accept_future.hpp"
#include "weft/net/detail/owned_fd.hpp"
#include "weft/net/detail/unix_path.hpp"
#include "weft/net/unix_stream.hpp"

namespace weft::net {

namespace detail {
struct to_unix_pair {
  result<std::pair<unix_stream, std::string>> operator()(owned_fd fd, const sockaddr_storage& ss,
                                                         socklen_t len) const {
    return std::pair<unix_stream, std::string>(
        unix_stream(fd.release()), unix_name(reinterpret_cast<const sockaddr_un&>(ss), len));
  }
};
} // namespace detail

/// A unix stream listener. A path-bound listener does not unlink its file when closed
/// (as with every socket API; remove it yourself).
class unix_listener {
public:
  unix_listener() = default;

  /// Binds and listens on `name` (a path, or '@name' for the abstract namespace).
  /// Errors: EADDRINUSE (the path exists), ENAMETOOLONG, EINVAL, ...
  static result<unix_listener> bind(std::string_view name, int backlog = 1024) {
    auto a = detail::make_unix_sockaddr(name);
    if (!a) return a.error();
    auto s = detail::make_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    if (!s) return s.error();
    if (::bind(s->get(), a->data(), a->len) != 0) return detail::last_error();
    if (::listen(s->get(), backlog) != 0) return detail::last_error();
    return unix_listener(std::move(*s));
  }

  /// The next connection and the peer's name (usually "" : clients are unnamed).
  /// Cancellation: cancel-safe. Errors: as tcp_listener::accept.
  auto accept() {
    return detail::accept_future<detail::to_unix_pair>(fd_.get(), backoff_.get(), {});
  }

  [[nodiscard]] result<std::string> local_addr() const {
    if (!fd_.valid()) return make_error(EBADF);
    return detail::unix_local_name(fd_.get());
  }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }
  void close() noexcept { fd_.reset(); }

private:
  explicit unix_listener(detail::owned_fd fd)
      : fd_(std::move(fd)), backoff_(std::make_unique<detail::accept_backoff>()) {}
  detail::owned_fd fd_;
  std::unique_ptr<detail::accept_backoff> backoff_;
};

} // namespace weft::net
