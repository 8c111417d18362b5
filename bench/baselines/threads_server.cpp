// bench/baselines/threads_server.cpp: thread-per-connection with blocking sockets, the C10k
// contrast: every connection costs a thread, and with many connections on one core the
// scheduler's context switches are the work. weft_baseline_threads_echo; usage: PROGRAM PORT.
#include <memory>
#include <thread>

#include "common/listener.hpp"
#include "common/session.hpp"

namespace {

void serve(int fd) {
  auto s = std::make_unique<baseline::session>();
  for (;;) {
    const auto space = s->recv_space();
    const ssize_t n = recv(fd, space.data(), space.size(), 0);
    if (n <= 0 && !(n < 0 && errno == EINTR)) break;
    if (n < 0) continue;
    for (auto out = s->received(static_cast<std::size_t>(n)); !out.empty(); out = s->more()) {
      while (!out.empty()) {
        const ssize_t m = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) {
          close(fd);
          return;
        }
        out.remove_prefix(static_cast<std::size_t>(m));
      }
    }
  }
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = baseline::port_from_args(argc, argv);
  baseline::raise_fd_limit();
  const int lfd = baseline::listen_on(port);
  for (;;) {
    const int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      baseline::die("accept4", errno);
    }
    baseline::set_nodelay(fd);
    std::thread(serve, fd).detach();
  }
}
