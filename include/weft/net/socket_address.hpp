// weft/net/socket_address.hpp: socket_address, an IPv4 or IPv6 address with a port: parsing
// and formatting of `host:port` and `[v6]:port`, conversion to and from the kernel's sockaddr.
// Not here: name resolution (lookup_host.hpp), unix socket paths (unix_stream.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "weft/core/result.hpp"

namespace weft::net {

/// Errors of the net layer that the kernel has no errno for.
enum class net_errc {
  malformed_address = 1,  ///< not `a.b.c.d:port`, `[v6]:port` or `host:port`
  host_not_found,         ///< lookup_host found no address for the name
};

namespace detail {
class net_category_t final : public std::error_category {
public:
  [[nodiscard]] const char* name() const noexcept override { return "weft.net"; }
  [[nodiscard]] std::string message(int c) const override {
    switch (static_cast<net_errc>(c)) {
    case net_errc::malformed_address:
      return "malformed socket address (expected a.b.c.d:port, [v6]:port or host:port, "
             "port 0-65535)";
    case net_errc::host_not_found:
      return "host name not found";
    }
    return "unknown weft.net error";
  }
};
} // namespace detail

/// The error category of net_errc.
inline const std::error_category& net_category() noexcept {
  static const detail::net_category_t c;
  return c;
}
inline std::error_code make_error_code(net_errc e) noexcept {
  return {static_cast<int>(e), net_category()};
}

/// An IPv4 or IPv6 socket address (address + port; IPv6 also keeps its scope id).
/// A value type: cheap to copy, comparable. Default: 0.0.0.0:0.
class socket_address {
public:
  socket_address() noexcept {
    v4_.sin_family = AF_INET;
  }

  /// IPv4 from four octets and a port (host order).
  static socket_address v4(std::array<std::uint8_t, 4> octets, std::uint16_t port) noexcept {
    socket_address a;
    std::memcpy(&a.v4_.sin_addr, octets.data(), 4);
    a.v4_.sin_port = htons(port);
    return a;
  }
  /// IPv6 from sixteen octets and a port (host order).
  static socket_address v6(std::array<std::uint8_t, 16> octets, std::uint16_t port,
                           std::uint32_t scope_id = 0) noexcept {
    socket_address a;
    a.v6_ = sockaddr_in6{};
    a.v6_.sin6_family = AF_INET6;
    std::memcpy(&a.v6_.sin6_addr, octets.data(), 16);
    a.v6_.sin6_port = htons(port);
    a.v6_.sin6_scope_id = scope_id;
    return a;
  }
  /// 127.0.0.1:port.
  static socket_address loopback_v4(std::uint16_t port = 0) noexcept {
    return v4({127, 0, 0, 1}, port);
  }
  /// [::1]:port.
  static socket_address loopback_v6(std::uint16_t port = 0) noexcept {
    std::array<std::uint8_t, 16> o{};
    o[15] = 1;
    return v6(o, port);
  }

  /// From a kernel address. Errors: EAFNOSUPPORT for a family other than AF_INET/AF_INET6,
  /// EINVAL for a length too short for its family.
  static result<socket_address> from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
    socket_address a;
    if (sa == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t)))
      return make_error(EINVAL);
    if (sa->sa_family == AF_INET) {
      if (len < static_cast<socklen_t>(sizeof(sockaddr_in))) return make_error(EINVAL);
      std::memcpy(&a.v4_, sa, sizeof(sockaddr_in));
      return a;
    }
    if (sa->sa_family == AF_INET6) {
      if (len < static_cast<socklen_t>(sizeof(sockaddr_in6))) return make_error(EINVAL);
      std::memcpy(&a.v6_, sa, sizeof(sockaddr_in6));
      return a;
    }
    return make_error(EAFNOSUPPORT);
  }

  /// Parses a numeric address: `a.b.c.d:port`, `[v6]:port` or `[v6%scope]:port`.
  /// Errors: net_errc::malformed_address (anything else, including host names: use
  /// lookup_host for those, and a port outside 0-65535).
  static result<socket_address> parse(std::string_view s) {
    std::string_view host;
    std::uint16_t port = 0;
    if (!split_host_port(s, host, port)) return make_error_code(net_errc::malformed_address);
    auto a = parse_ip(host, port);
    if (!a) return make_error_code(net_errc::malformed_address);
    return *a;
  }

  /// Splits `host:port` / `[v6]:port` into its parts without validating the host.
  /// Returns false when there is no valid port or the brackets do not match.
  static bool split_host_port(std::string_view s, std::string_view& host, std::uint16_t& port) {
    std::string_view p;
    if (!s.empty() && s.front() == '[') {
      const auto close = s.find(']');
      if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
        return false;
      host = s.substr(1, close - 1);
      p = s.substr(close + 2);
      if (host.find(':') == std::string_view::npos) return false;  // [v4]:port is not valid
    } else {
      const auto colon = s.rfind(':');
      if (colon == std::string_view::npos) return false;
      host = s.substr(0, colon);
      p = s.substr(colon + 1);
      if (host.find(':') != std::string_view::npos) return false;  // bare v6 needs brackets
    }
    if (host.empty() || p.empty() || p.size() > 5) return false;
    std::uint32_t v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
  }

  /// Parses a numeric host (no port, no brackets) with `port`; empty result when it is not
  /// an IPv4 or IPv6 literal.
  static result<socket_address> parse_ip(std::string_view host, std::uint16_t port) {
    // A NUL inside would end the text inet_pton sees: "1.2.3.4\0junk" must not parse.
    if (host.empty() || host.size() >= 64 || host.find('\0') != std::string_view::npos)
      return make_error_code(net_errc::malformed_address);
    char buf[64] = {};
    std::memcpy(buf, host.data(), host.size());
    std::array<std::uint8_t, 4> o4{};
    if (host.find(':') == std::string_view::npos) {
      if (::inet_pton(AF_INET, buf, o4.data()) == 1) return v4(o4, port);
      return make_error_code(net_errc::malformed_address);
    }
    std::uint32_t scope = 0;
    if (char* pct = std::strchr(buf, '%')) {
      *pct = '\0';
      // The scope id is the kernel's sin6_scope_id: any uint32, in decimal.
      std::uint64_t v = 0;
      const char* q = pct + 1;
      if (*q == '\0') return make_error_code(net_errc::malformed_address);
      for (; *q != '\0'; ++q) {
        if (*q < '0' || *q > '9') return make_error_code(net_errc::malformed_address);
        v = v * 10 + static_cast<std::uint64_t>(*q - '0');
        if (v > 0xffff'ffffu) return make_error_code(net_errc::malformed_address);
      }
      scope = static_cast<std::uint32_t>(v);
    }
    std::array<std::uint8_t, 16> o6{};
    if (::inet_pton(AF_INET6, buf, o6.data()) == 1) return v6(o6, port, scope);
    return make_error_code(net_errc::malformed_address);
  }

  [[nodiscard]] bool is_ipv4() const noexcept { return family() == AF_INET; }
  [[nodiscard]] bool is_ipv6() const noexcept { return family() == AF_INET6; }
  [[nodiscard]] int family() const noexcept { return v4_.sin_family; }
  [[nodiscard]] std::uint16_t port() const noexcept {
    return ntohs(is_ipv4() ? v4_.sin_port : v6_.sin6_port);
  }
  void set_port(std::uint16_t p) noexcept {
    if (is_ipv4()) {
      v4_.sin_port = htons(p);
    } else {
      v6_.sin6_port = htons(p);
    }
  }
  /// True for 127.0.0.0/8 and ::1.
  [[nodiscard]] bool is_loopback() const noexcept {
    if (is_ipv4()) return (ntohl(v4_.sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&v6_.sin6_addr);
  }

  /// The address in the kernel's form, for bind/connect/sendto.
  [[nodiscard]] const sockaddr* data() const noexcept {
    return reinterpret_cast<const sockaddr*>(&v6_);
  }
  [[nodiscard]] socklen_t size() const noexcept {
    return is_ipv4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  }

  /// The host part alone: `a.b.c.d` or `v6` (no brackets; `%scope` when set).
  [[nodiscard]] std::string ip_string() const {
    char buf[INET6_ADDRSTRLEN + 16] = {};
    if (is_ipv4()) {
      ::inet_ntop(AF_INET, &v4_.sin_addr, buf, sizeof buf);
      return buf;
    }
    ::inet_ntop(AF_INET6, &v6_.sin6_addr, buf, sizeof buf);
    std::string s = buf;
    if (v6_.sin6_scope_id != 0) s += "%" + std::to_string(v6_.sin6_scope_id);
    return s;
  }

  /// `a.b.c.d:port` or `[v6]:port`; parse(to_string()) gives the address back.
  [[nodiscard]] std::string to_string() const {
    std::string s = is_ipv4() ? ip_string() : "[" + ip_string() + "]";
    return s + ":" + std::to_string(port());
  }

  friend bool operator==(const socket_address& a, const socket_address& b) noexcept {
    if (a.family() != b.family()) return false;
    if (a.is_ipv4())
      return a.v4_.sin_port == b.v4_.sin_port && a.v4_.sin_addr.s_addr == b.v4_.sin_addr.s_addr;
    return a.v6_.sin6_port == b.v6_.sin6_port && a.v6_.sin6_scope_id == b.v6_.sin6_scope_id &&
           std::memcmp(&a.v6_.sin6_addr, &b.v6_.sin6_addr, 16) == 0;
  }

private:
  union {
    sockaddr_in v4_;
    sockaddr_in6 v6_{};
  };
};

} // namespace weft::net

template <> struct std::is_error_code_enum<weft::net::net_errc> : std::true_type {};
