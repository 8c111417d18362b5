// bench/baselines/common/listener.hpp: what every baseline server shares: the port from
// argv[1], a listening socket on 127.0.0.1, TCP_NODELAY on accepted sockets, fatal errors.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace baseline {

/// Every baseline reads and answers through a buffer of this size per connection.
inline constexpr std::size_t buffer_size = 16384;

[[noreturn]] inline void die(const char* what, int err) {
  std::fprintf(stderr, "baseline: %s: %s\n", what, std::strerror(err));
  std::exit(1);
}

/// The port given as argv[1]; exits with a usage line when it is missing or bad.
inline int port_from_args(int argc, char** argv) {
  char* end = nullptr;
  const long port = argc >= 2 ? std::strtol(argv[1], &end, 10) : 0;
  if (argc < 2 || *end != '\0' || port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s PORT   (listens on 127.0.0.1:PORT)\n", argv[0]);
    std::exit(2);
  }
  return static_cast<int>(port);
}

/// A listening TCP socket on 127.0.0.1:port (SO_REUSEADDR, backlog 4096); `flags` go to
/// socket(2), e.g. SOCK_NONBLOCK.
inline int listen_on(int port, int flags = 0) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (fd < 0) die("socket", errno);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Safety: sockaddr_in is the documented layout for an AF_INET sockaddr.
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("bind", errno);
  if (listen(fd, 4096) != 0) die("listen", errno);
  return fd;
}

/// Small answers must leave at once: no Nagle delay on an accepted socket.
inline void set_nodelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// Hundreds of connections need hundreds of descriptors: raise the soft limit to the hard.
inline void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace baseline
