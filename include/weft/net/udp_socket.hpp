// weft/net/udp_socket.hpp: udp_socket: bind, send_to, recv_from (truncation reported), connect
// + send / recv, and the broadcast and multicast options.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "weft/core/result.hpp"
#include "weft/net/detail/datagram.hpp"
#include "weft/net/detail/owned_fd.hpp"
#include "weft/net/socket_address.hpp"

namespace weft::net {

/// What recv_from reports about one datagram.
struct udp_datagram {
  std::size_t size = 0;       ///< bytes in the buffer
  std::size_t full_size = 0;  ///< the datagram's length; > size when it was truncated
  bool truncated = false;     ///< the buffer was too small; the rest is gone
  socket_address peer;
};

/// A UDP socket. Move-only. Thread safety: sends and receives may run at once from
/// different tasks. Preconditions of every operation: the socket and the buffer outlive the
/// future.
class udp_socket {
public:
  udp_socket() noexcept = default;

  /// A socket bound to `addr` (port 0: the kernel picks one).
  static result<udp_socket> bind(const socket_address& addr) {
    auto s = detail::make_socket(addr.family(), SOCK_DGRAM);
    if (!s) return s.error();
    if (::bind(s->get(), addr.data(), addr.size()) != 0) return detail::last_error();
    return udp_socket(std::move(*s));
  }
  static result<udp_socket> bind(std::string_view addr) {
    auto a = socket_address::parse(addr);
    if (!a) return a.error();
    return bind(*a);
  }

  /// Sends `buf` (0 bytes is a valid datagram) to `to`.
  /// Cancellation: cancel-safe (a datagram is sent whole or not at all).
  /// Errors: EMSGSIZE when it cannot be one datagram; ECONNREFUSED after an ICMP error.
  auto send_to(std::span<const std::byte> buf, const socket_address& to) {
    return detail::dgram_send_to(fd_.get(), buf, to.data(), to.size());
  }
  /// Receives one datagram and its sender.
  /// Cancellation: cancel-safe (no datagram is taken unless it completes).
  auto recv_from(std::span<std::byte> buf) {
    struct conv {
      result<udp_datagram> operator()(result<detail::raw_datagram> r) const {
        if (!r) return r.error();
        udp_datagram d;
        d.size = r->size;
        d.full_size = r->full_size;
        d.truncated = r->truncated;
        auto a = socket_address::from_sockaddr(reinterpret_cast<const sockaddr*>(&r->from),
                                               r->from_len);
        if (a) d.peer = *a;
        return d;
      }
    };
    return detail::map_future(detail::dgram_recv_from(fd_.get(), buf), conv{});
  }

  /// Sets the default peer: send/recv then talk to it only (datagrams from others are
  /// dropped by the kernel). Immediate.
  result<void> connect(const socket_address& peer) {
    if (!fd_.valid()) return make_error(EBADF);
    if (::connect(fd_.get(), peer.data(), peer.size()) != 0) return detail::last_error();
    return {};
  }
  /// Sends to the connected peer. Cancel-safe.
  auto send(std::span<const std::byte> buf) {
    return detail::dgram_send_to(fd_.get(), buf, nullptr, 0);
  }
  /// Receives from the connected peer; returns the bytes in `buf` (a longer datagram's rest
  /// is discarded: use recv_from to learn about truncation). Cancel-safe.
  auto recv(std::span<std::byte> buf) {
    struct conv {
      result<std::size_t> operator()(result<detail::raw_datagram> r) const {
        if (!r) return r.error();
        return r->size;
      }
    };
    return detail::map_future(detail::dgram_recv_from(fd_.get(), buf), conv{});
  }

  result<void> set_broadcast(bool on) { return detail::set_option(fd_, SOL_SOCKET, SO_BROADCAST, on); }
  [[nodiscard]] result<bool> broadcast() const {
    auto v = detail::get_option(fd_, SOL_SOCKET, SO_BROADCAST);
    if (!v) return v.error();
    return *v != 0;
  }
  /// Joins the IPv4 group `group` on the interface with address `iface` (0.0.0.0: any).
  result<void> join_multicast_v4(const socket_address& group, const socket_address& iface) {
    return membership_v4(IP_ADD_MEMBERSHIP, group, iface);
  }
  result<void> leave_multicast_v4(const socket_address& group, const socket_address& iface) {
    return membership_v4(IP_DROP_MEMBERSHIP, group, iface);
  }
  /// Joins the IPv6 group `group` on interface index `ifindex` (0: the default).
  result<void> join_multicast_v6(const socket_address& group, unsigned ifindex) {
    return membership_v6(IPV6_JOIN_GROUP, group, ifindex);
  }
  result<void> leave_multicast_v6(const socket_address& group, unsigned ifindex) {
    return membership_v6(IPV6_LEAVE_GROUP, group, ifindex);
  }
  result<void> set_multicast_loop_v4(bool on) {
    return detail::set_option(fd_, IPPROTO_IP, IP_MULTICAST_LOOP, on);
  }
  result<void> set_multicast_ttl_v4(int ttl) {
    return detail::set_option(fd_, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
  }
  result<void> set_multicast_loop_v6(bool on) {
    return detail::set_option(fd_, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on);
  }
  result<void> set_ttl(int ttl) { return detail::set_option(fd_, IPPROTO_IP, IP_TTL, ttl); }

  [[nodiscard]] result<socket_address> local_addr() const { return detail::local_address(fd_); }
  [[nodiscard]] result<socket_address> peer_addr() const { return detail::peer_address(fd_); }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }
  void close() noexcept { fd_.reset(); }

private:
  explicit udp_socket(detail::owned_fd fd) noexcept : fd_(std::move(fd)) {}

  result<void> membership_v4(int opt, const socket_address& group, const socket_address& iface) {
    if (!group.is_ipv4() || !iface.is_ipv4()) return make_error(EAFNOSUPPORT);
    ip_mreq m{};
    m.imr_multiaddr = reinterpret_cast<const sockaddr_in*>(group.data())->sin_addr;
    m.imr_interface = reinterpret_cast<const sockaddr_in*>(iface.data())->sin_addr;
    if (!fd_.valid()) return make_error(EBADF);
    if (::setsockopt(fd_.get(), IPPROTO_IP, opt, &m, sizeof m) != 0) return detail::last_error();
    return {};
  }
  result<void> membership_v6(int opt, const socket_address& group, unsigned ifindex) {
    if (!group.is_ipv6()) return make_error(EAFNOSUPPORT);
    ipv6_mreq m{};
    m.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6*>(group.data())->sin6_addr;
    m.ipv6mr_interface = ifindex;
    if (!fd_.valid()) return make_error(EBADF);
    if (::setsockopt(fd_.get(), IPPROTO_IPV6, opt, &m, sizeof m) != 0) return detail::last_error();
    return {};
  }

  detail::owned_fd fd_;
};

} // namespace weft::net
