// bench/baselines/epoll_server.cpp: the raw epoll baseline, one thread, edge-triggered,
// non-blocking sockets. Built twice: weft_baseline_epoll_echo (echoes every byte) and,
// with BASELINE_HTTP, weft_baseline_epoll_http (answers each keep-alive request with the
// fixed "hello" response). Usage: PROGRAM PORT (listens on 127.0.0.1:PORT).
//
// Per connection: drain the socket with recv() until EAGAIN, sending each answer right away;
// when send() hits EAGAIN the rest waits for EPOLLOUT and nothing more is read until it is
// out (the receive buffer is the echo's send buffer).
#include <sys/epoll.h>

#include <memory>
#include <string_view>

#include "common/listener.hpp"
#include "common/session.hpp"

namespace {

struct connection {
  int fd;
  baseline::session s;
  std::string_view out;  // answer bytes not yet sent
};

// Runs until both directions would block; false when the connection is finished.
bool serve(connection& c) {
  for (;;) {
    while (!c.out.empty()) {
      const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      c.out.remove_prefix(static_cast<std::size_t>(n));
      if (c.out.empty()) c.out = c.s.more();
    }
    const auto space = c.s.recv_space();
    const ssize_t n = recv(c.fd, space.data(), space.size(), 0);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (n == 0) return false;
    c.out = c.s.received(static_cast<std::size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int port = baseline::port_from_args(argc, argv);
  baseline::raise_fd_limit();
  const int lfd = baseline::listen_on(port, SOCK_NONBLOCK);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) baseline::die("epoll_create1", errno);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.ptr = nullptr;  // the listener
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0) baseline::die("epoll_ctl", errno);

  epoll_event events[512];
  for (;;) {
    const int n = epoll_wait(ep, events, 512, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      baseline::die("epoll_wait", errno);
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        for (;;) {
          const int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;  // EAGAIN: all taken; EMFILE and friends: try at the next edge
          baseline::set_nodelay(fd);
          auto* c = new connection{fd, {}, {}};
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
          cev.data.ptr = c;
          if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) != 0) {
            close(fd);
            delete c;
          }
        }
        continue;
      }
      auto* c = static_cast<connection*>(events[i].data.ptr);
      if (!serve(*c)) {
        close(c->fd);  // also removes it from the epoll set
        delete c;
      }
    }
  }
}
