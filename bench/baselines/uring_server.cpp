// bench/baselines/uring_server.cpp: the raw liburing baseline, one thread: the ceiling on
// one core. Built twice: weft_baseline_uring_echo (echoes every byte) and, with
// BASELINE_HTTP, weft_baseline_uring_http (keep-alive "hello"). Usage: PROGRAM PORT.
//
// One multishot accept; per connection one operation in flight at a time: recv into the
// connection's own buffer -> send the answer (resubmitting the rest after a short send) ->
// recv again. The ring is set up with SINGLE_ISSUER | DEFER_TASKRUN where the kernel has
// them (6.1; else COOP_TASKRUN, else nothing), and each loop turn submits every queued SQE
// and waits for completions in one io_uring_enter. Deliberately the simple loop: no
// multishot receive, no provided buffers, no registered files, so what weft adds on top of
// it shows up as a difference.
#include <liburing.h>

#include <string_view>

#include "common/listener.hpp"
#include "common/session.hpp"

namespace {

enum : std::uint64_t { op_accept = 0, op_recv = 1, op_send = 2, op_mask = 3 };

struct connection {
  int fd;
  baseline::session s;
  std::string_view out;
};

io_uring ring;

io_uring_sqe* get_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  while (sqe == nullptr) {
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

// Safety: connection objects come from new, so their addresses are 8-aligned and the two
// low bits are free for the operation tag.
std::uint64_t tag(connection* c, std::uint64_t op) {
  return reinterpret_cast<std::uintptr_t>(c) | op;
}

void arm_accept(int lfd) {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_multishot_accept(sqe, lfd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, op_accept);
}

void arm_recv(connection* c) {
  const auto space = c->s.recv_space();
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_recv(sqe, c->fd, space.data(), space.size(), 0);
  io_uring_sqe_set_data64(sqe, tag(c, op_recv));
}

void arm_send(connection* c) {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_send(sqe, c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, tag(c, op_send));
}

void finish(connection* c) {
  close(c->fd);
  delete c;
}

void setup_ring() {
  const unsigned tries[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                            IORING_SETUP_COOP_TASKRUN, 0};
  int rc = -EINVAL;
  for (const unsigned flags : tries) {
    io_uring_params p{};
    p.flags = flags | IORING_SETUP_CQSIZE;
    p.cq_entries = 8192;
    rc = io_uring_queue_init_params(2048, &ring, &p);
    if (rc == 0) return;
  }
  baseline::die("io_uring_queue_init_params", -rc);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = baseline::port_from_args(argc, argv);
  baseline::raise_fd_limit();
  const int lfd = baseline::listen_on(port);
  setup_ring();
  arm_accept(lfd);
  for (;;) {
    const int rc = io_uring_submit_and_wait(&ring, 1);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
      baseline::die("io_uring_submit_and_wait", -rc);
    unsigned head = 0, seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const std::uint64_t ud = io_uring_cqe_get_data64(cqe);
      const int res = cqe->res;
      if ((ud & op_mask) == op_accept) {
        if (res >= 0) {
          baseline::set_nodelay(res);
          arm_recv(new connection{res, {}, {}});
        }
        if ((cqe->flags & IORING_CQE_F_MORE) == 0) arm_accept(lfd);  // multishot ended
        continue;
      }
      // Safety: the tag was made from this connection's pointer by tag().
      auto* c = reinterpret_cast<connection*>(static_cast<std::uintptr_t>(ud & ~op_mask));
      if (res <= 0) {  // EOF, reset or error: one op in flight, so nothing else refers to c
        finish(c);
        continue;
      }
      if ((ud & op_mask) == op_recv) {
        c->out = c->s.received(static_cast<std::size_t>(res));
      } else {
        c->out.remove_prefix(static_cast<std::size_t>(res));
        if (c->out.empty()) c->out = c->s.more();
      }
      if (c->out.empty()) arm_recv(c);
      else arm_send(c);
    }
    io_uring_cq_advance(&ring, seen);
  }
}
