// weft/net/detail/owned_fd.hpp: owned_fd, a move-only owner of one socket descriptor (closed
// in its destructor), and the small synchronous socket helpers the net nouns share: making a
// close-on-exec socket, socket options, local and peer addresses.
#pragma once

#include <cerrno>
#include <utility>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "weft/core/result.hpp"
#include "weft/net/socket_address.hpp"

namespace weft::net::detail {

/// Owns a file descriptor; -1 when empty.
class owned_fd {
public:
  owned_fd() noexcept = default;
  explicit owned_fd(int fd) noexcept : fd_(fd) {}
  owned_fd(owned_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  owned_fd& operator=(owned_fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  owned_fd(const owned_fd&) = delete;
  owned_fd& operator=(const owned_fd&) = delete;
  ~owned_fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  /// Gives up ownership without closing.
  int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes the current fd (if any) and owns `fd`. A socket close does not block (no
  /// SO_LINGER with a timeout is ever set by weft).
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

/// The current errno as an error value.
inline std::error_code last_error() noexcept { return make_error(errno != 0 ? errno : EIO); }

/// A new close-on-exec socket.
inline result<owned_fd> make_socket(int domain, int type, int protocol = 0) {
  const int fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) return last_error();
  return owned_fd(fd);
}

/// A guard for an operation on a handle that was closed or moved from.
inline result<void> check_open(const owned_fd& fd) {
  if (!fd.valid()) return make_error(EBADF);
  return {};
}

inline result<void> set_option(const owned_fd& fd, int level, int name, int value) {
  if (!fd.valid()) return make_error(EBADF);
  if (::setsockopt(fd.get(), level, name, &value, sizeof value) != 0) return last_error();
  return {};
}

inline result<int> get_option(const owned_fd& fd, int level, int name) {
  if (!fd.valid()) return make_error(EBADF);
  int v = 0;
  socklen_t len = sizeof v;
  if (::getsockopt(fd.get(), level, name, &v, &len) != 0) return last_error();
  return v;
}

inline result<socket_address> local_address(const owned_fd& fd) {
  if (!fd.valid()) return make_error(EBADF);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return last_error();
  return socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

inline result<socket_address> peer_address(const owned_fd& fd) {
  if (!fd.valid()) return make_error(EBADF);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return last_error();
  return socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

} // namespace weft::net::detail
