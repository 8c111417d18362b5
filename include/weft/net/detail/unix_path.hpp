// weft/net/detail/unix_path.hpp: unix socket names <-> sockaddr_un. A name starting with '@'
// or '\0' is in the abstract namespace (Linux; no file is created); anything else is a path.
// Names read back from the kernel use '@' for abstract ones and "" for unnamed sockets.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include <sys/socket.h>
#include <sys/un.h>

#include "weft/core/result.hpp"

namespace weft::net::detail {

struct unix_sockaddr {
  sockaddr_un sun{};
  socklen_t len = 0;
  [[nodiscard]] const sockaddr* data() const noexcept {
    return reinterpret_cast<const sockaddr*>(&sun);
  }
};

/// Errors: ENAMETOOLONG past 107 bytes; EINVAL for an empty name or a path holding '\0'.
inline result<unix_sockaddr> make_unix_sockaddr(std::string_view name) {
  unix_sockaddr a;
  a.sun.sun_family = AF_UNIX;
  if (name.empty()) return make_error(EINVAL);
  const bool abstract = name.front() == '@' || name.front() == '\0';
  if (name.size() >= sizeof a.sun.sun_path) return make_error(ENAMETOOLONG);
  if (abstract) {
    a.sun.sun_path[0] = '\0';
    std::memcpy(a.sun.sun_path + 1, name.data() + 1, name.size() - 1);
    a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  } else {
    if (name.find('\0') != std::string_view::npos) return make_error(EINVAL);
    std::memcpy(a.sun.sun_path, name.data(), name.size());
    a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
  }
  return a;
}

inline std::string unix_name(const sockaddr_un& sun, socklen_t len) {
  const auto base = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
  if (len <= base) return {};
  const std::size_t n = static_cast<std::size_t>(len - base);
  if (sun.sun_path[0] == '\0') return "@" + std::string(sun.sun_path + 1, n - 1);
  return std::string(sun.sun_path, strnlen(sun.sun_path, n));
}

inline result<std::string> unix_local_name(int fd) {
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sun), &len) != 0) return make_error(errno);
  return unix_name(sun, len);
}
inline result<std::string> unix_peer_name(int fd) {
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sun), &len) != 0) return make_error(errno);
  return unix_name(sun, len);
}

} // namespace weft::net::detail
