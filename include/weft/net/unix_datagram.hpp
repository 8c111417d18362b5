// weft/net/unix_datagram.hpp: unix_datagram, a unix-domain datagram socket: bind (a path or
// an abstract '@name'), unbound(), pair(), send_to, recv_from (truncation reported), connect +
// send / recv.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <sys/socket.h>

#include "weft/core/result.hpp"
#include "weft/net/detail/datagram.hpp"
#include "weft/net/detail/owned_fd.hpp"
#include "weft/net/detail/unix_path.hpp"

namespace weft::net {

/// What unix_datagram::recv_from reports about one datagram.
struct unix_datagram_info {
  std::size_t size = 0;
  std::size_t full_size = 0;
  bool truncated = false;
  std::string peer;  ///< '@x' abstract, a path, or "" for an unnamed sender
};

/// A unix datagram socket. Move-only; cancel safety as udp_socket's.
class unix_datagram {
public:
  unix_datagram() noexcept = default;

  static result<unix_datagram> bind(std::string_view name) {
    auto a = detail::make_unix_sockaddr(name);
    if (!a) return a.error();
    auto s = detail::make_socket(AF_UNIX, SOCK_DGRAM);
    if (!s) return s.error();
    if (::bind(s->get(), a->data(), a->len) != 0) return detail::last_error();
    return unix_datagram(std::move(*s));
  }
  /// An unnamed socket (it can send_to and, once connected, receive replies).
  static result<unix_datagram> unbound() {
    auto s = detail::make_socket(AF_UNIX, SOCK_DGRAM);
    if (!s) return s.error();
    return unix_datagram(std::move(*s));
  }
  static result<std::pair<unix_datagram, unix_datagram>> pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) != 0) return detail::last_error();
    return std::pair<unix_datagram, unix_datagram>(unix_datagram(detail::owned_fd(fds[0])),
                                                   unix_datagram(detail::owned_fd(fds[1])));
  }

  /// Sends one datagram to `name`. Cancel-safe. Errors: ENOENT/ECONNREFUSED when nobody is
  /// bound there; EINVAL/ENAMETOOLONG for a bad name.
  auto send_to(std::span<const std::byte> buf, std::string_view name) {
    auto a = std::make_unique<detail::unix_sockaddr>();
    auto made = detail::make_unix_sockaddr(name);
    const bool ok = static_cast<bool>(made);
    const int err = ok ? 0 : made.error().value();
    if (ok) *a = *made;
    struct conv {
      std::unique_ptr<detail::unix_sockaddr> keep;  // the name lives as long as the future
      int err;
      result<std::size_t> operator()(result<std::size_t> r) const {
        if (err != 0) return make_error(err);
        return r;
      }
    };
    // A bad name sends nothing: the attempt goes to fd -1 (EBADF at once), and the name's
    // own error replaces that above.
    const int fd = ok ? fd_.get() : -1;
    const sockaddr* to = a->data();
    const socklen_t len = a->len;
    return detail::map_future(detail::dgram_send_to(fd, buf, to, len), conv{std::move(a), err});
  }
  /// Receives one datagram and its sender's name. Cancel-safe.
  auto recv_from(std::span<std::byte> buf) {
    struct conv {
      result<unix_datagram_info> operator()(result<detail::raw_datagram> r) const {
        if (!r) return r.error();
        unix_datagram_info d;
        d.size = r->size;
        d.full_size = r->full_size;
        d.truncated = r->truncated;
        d.peer = detail::unix_name(reinterpret_cast<const sockaddr_un&>(r->from), r->from_len);
        return d;
      }
    };
    return detail::map_future(detail::dgram_recv_from(fd_.get(), buf), conv{});
  }
  result<void> connect(std::string_view name) {
    auto a = detail::make_unix_sockaddr(name);
    if (!a) return a.error();
    if (!fd_.valid()) return make_error(EBADF);
    if (::connect(fd_.get(), a->data(), a->len) != 0) return detail::last_error();
    return {};
  }
  auto send(std::span<const std::byte> buf) {
    return detail::dgram_send_to(fd_.get(), buf, nullptr, 0);
  }
  auto recv(std::span<std::byte> buf) {
    struct conv {
      result<std::size_t> operator()(result<detail::raw_datagram> r) const {
        if (!r) return r.error();
        return r->size;
      }
    };
    return detail::map_future(detail::dgram_recv_from(fd_.get(), buf), conv{});
  }

  [[nodiscard]] result<std::string> local_addr() const {
    if (!fd_.valid()) return make_error(EBADF);
    return detail::unix_local_name(fd_.get());
  }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }
  void close() noexcept { fd_.reset(); }

private:
  explicit unix_datagram(detail::owned_fd fd) noexcept : fd_(std::move(fd)) {}
  detail::owned_fd fd_;
};

} // namespace weft::net
