// weft/net/tcp_listener.hpp: tcp_listener, a listening TCP socket: bind (SO_REUSEADDR, and
// SO_REUSEPORT on request so each worker of a thread-per-core server binds its own), accept,
// an accept stream (incoming()), local_addr.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>

#include "weft/core/result.hpp"
#include "weft/net/detail/accept_future.hpp"
#include "weft/net/detail/owned_fd.hpp"
#include "weft/net/socket_address.hpp"
#include "weft/net/tcp_stream.hpp"

namespace weft::net {

/// How tcp_listener::bind sets the socket up.
struct listen_options {
  int backlog = 1024;
  /// SO_REUSEPORT: several sockets (one per worker) share the port; the kernel spreads
  /// incoming connections across them.
  bool reuse_port = false;
  /// IPV6_V6ONLY for an IPv6 address (false: also accepts IPv4-mapped peers).
  bool v6_only = false;
};

namespace detail {
struct to_tcp_pair {
  result<std::pair<tcp_stream, socket_address>> operator()(owned_fd fd, const sockaddr_storage& ss,
                                                           socklen_t len) const {
    auto a = socket_address::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
    if (!a) return a.error();
    return std::pair<tcp_stream, socket_address>(tcp_stream(fd.release()), *a);
  }
};
struct to_tcp_stream {
  result<tcp_stream> operator()(owned_fd fd, const sockaddr_storage&, socklen_t) const {
    return tcp_stream(fd.release());
  }
};
} // namespace detail

/// A TCP listener. Move-only; closes its socket when destroyed.
/// Thread safety: several tasks may accept at once.
class tcp_listener {
public:
  tcp_listener() = default;

  /// Binds and listens on `addr` (port 0: the kernel picks one; see local_addr()).
  /// Errors: EADDRINUSE, EACCES, ...
  static result<tcp_listener> bind(const socket_address& addr, listen_options opt = {}) {
    auto s = detail::make_socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK);
    if (!s) return s.error();
    if (auto r = detail::set_option(*s, SOL_SOCKET, SO_REUSEADDR, 1); !r) return r.error();
    if (opt.reuse_port) {
      if (auto r = detail::set_option(*s, SOL_SOCKET, SO_REUSEPORT, 1); !r) return r.error();
    }
    if (addr.is_ipv6()) {
      if (auto r = detail::set_option(*s, IPPROTO_IPV6, IPV6_V6ONLY, opt.v6_only ? 1 : 0); !r)
        return r.error();
    }
    if (::bind(s->get(), addr.data(), addr.size()) != 0) return detail::last_error();
    if (::listen(s->get(), opt.backlog) != 0) return detail::last_error();
    return tcp_listener(std::move(*s));
  }
  /// Binds a numeric `a.b.c.d:port` / `[v6]:port`.
  /// Errors: net_errc::malformed_address, and bind's.
  static result<tcp_listener> bind(std::string_view addr, listen_options opt = {}) {
    auto a = socket_address::parse(addr);
    if (!a) return a.error();
    return bind(*a, opt);
  }

  /// Accepts the next connection: the stream and the peer's address.
  /// Preconditions: the listener outlives the future.
  /// Cancellation: cancel-safe (a connection is taken from the backlog only when the future
  /// completes with it).
  /// Errors: EMFILE/ENFILE (out of descriptors) come back as errors; the listener keeps
  /// working, and the next accept first pauses (1 ms, doubling to 64 ms while it keeps
  /// failing), so a loop that retries does not spin; accepting resumes once fds free up.
  auto accept() {
    return detail::accept_future<detail::to_tcp_pair>(fd_.get(), backoff_.get(), {});
  }

  /// The accept stream: poll_next(cx) gives each accepted stream, or an error (the stream
  /// goes on after errors). Preconditions: the listener outlives it.
  class incoming_stream {
  public:
    using value_type = result<tcp_stream>;
    explicit incoming_stream(tcp_listener& l) noexcept : l_(&l) {}
    /// Cancellation: cancel-safe, like accept(). Never ends (nullopt) while the listener is
    /// open; ends once it was closed.
    ::weft::poll<std::optional<result<tcp_stream>>> poll_next(context& cx) {
      if (!l_->fd_.valid()) return ::weft::poll<std::optional<result<tcp_stream>>>(std::in_place);
      if (!cur_) cur_.emplace(l_->fd_.get(), l_->backoff_.get(), detail::to_tcp_stream{});
      auto p = cur_->poll(cx);
      if (p.is_pending()) return pending;
      cur_.reset();
      return ::weft::poll<std::optional<result<tcp_stream>>>(std::in_place, std::move(*p));
    }
    /// An awaitable for the next item (std::nullopt when the stream ended).
    auto next() {
      struct next_future {
        incoming_stream* s;
        ::weft::poll<std::optional<result<tcp_stream>>> poll(context& cx) { return s->poll_next(cx); }
      };
      return next_future{this};
    }

  private:
    tcp_listener* l_;
    std::optional<detail::accept_future<detail::to_tcp_stream>> cur_;
  };
  incoming_stream incoming() noexcept { return incoming_stream(*this); }

  [[nodiscard]] result<socket_address> local_addr() const { return detail::local_address(fd_); }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }
  /// Closes the listener. Preconditions: no accept of it is in flight.
  void close() noexcept { fd_.reset(); }

private:
  explicit tcp_listener(detail::owned_fd fd)
      : fd_(std::move(fd)), backoff_(std::make_unique<detail::accept_backoff>()) {}
  detail::owned_fd fd_;
  std::unique_ptr<detail::accept_backoff> backoff_;
};

} // namespace weft::net
