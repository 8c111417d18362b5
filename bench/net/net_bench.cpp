// bench/net/net_bench.cpp: loopback TCP ping-pong through weft::net: N connections, each
// sending a message and waiting for its echo, on a one-worker runtime (client and server
// tasks share the worker); the server echoes with pooled receive (BM_net_tcp_echo) or plain
// reads (BM_net_tcp_echo_plain). BM_net_tcp_echo_raw_uring does the same job with a
// hand-written liburing loop on one thread (recv/send SQEs per step): the ceiling.
// Args: connections, message bytes. Items: round trips.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "weft/net.hpp"
#include "weft/weft.hpp"

namespace {

constexpr long rounds_per_iteration = 2000;  // round trips per iteration, over all connections

weft::task<void> server_pooled(weft::net::tcp_stream s) {
  for (;;) {
    auto b = co_await s.recv_pooled();
    if (!b || b->empty()) co_return;
    if (!co_await s.write_all(b->data())) co_return;
  }
}

weft::task<void> server_plain(weft::net::tcp_stream s) {
  std::vector<std::byte> buf(16 * 1024);
  for (;;) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) co_return;
    if (!co_await s.write_all(std::span(buf).first(*n))) co_return;
  }
}

weft::task<long> client(weft::net::tcp_stream& s, std::size_t size, long rounds) {
  std::vector<std::byte> out(size, std::byte{'x'}), back(size);
  long ok = 0;
  for (long i = 0; i < rounds; ++i) {
    if (!co_await s.write_all(out)) co_return ok;
    if (!co_await s.read_exact(back)) co_return ok;
    ++ok;
  }
  co_return ok;
}

weft::task<long> all_clients(std::vector<weft::net::tcp_stream>& cs, std::size_t size, long rounds) {
  std::vector<weft::join_handle<long>> hs;
  hs.reserve(cs.size());
  for (auto& c : cs) hs.push_back(weft::spawn(client(c, size, rounds)));
  long ok = 0;
  for (auto& h : hs) ok += co_await h;
  co_return ok;
}

weft::task<std::vector<weft::net::tcp_stream>> connect_all(weft::net::tcp_listener& l, int n,
                                                           bool pooled) {
  std::vector<weft::net::tcp_stream> cs;
  const auto addr = l.local_addr().value();
  for (int i = 0; i < n; ++i) {
    auto c = (co_await weft::net::tcp_stream::connect(addr)).value();
    (void)c.set_nodelay(true);
    auto a = (co_await l.accept()).value();
    (void)a.first.set_nodelay(true);
    if (pooled) {
      weft::spawn(server_pooled(std::move(a.first))).detach();
    } else {
      weft::spawn(server_plain(std::move(a.first))).detach();
    }
    cs.push_back(std::move(c));
  }
  co_return cs;
}

void run_weft(benchmark::State& state, bool pooled) {
  const int conns = static_cast<int>(state.range(0));
  const auto size = static_cast<std::size_t>(state.range(1));
  const long per_conn = rounds_per_iteration / conns;
  auto rt = weft::runtime::builder().workers(1).build();
  auto l = weft::net::tcp_listener::bind(weft::net::socket_address::loopback_v4(0)).value();
  auto cs = rt.block_on(rt.spawn(connect_all(l, conns, pooled)));
  for (auto _ : state) {
    const long ok = rt.block_on(rt.spawn(all_clients(cs, size, per_conn)));
    if (ok != per_conn * conns) state.SkipWithError("a round trip failed");
  }
  state.SetItemsProcessed(state.iterations() * per_conn * conns);
  cs.clear();
}

void BM_net_tcp_echo(benchmark::State& state) { run_weft(state, true); }
void BM_net_tcp_echo_plain(benchmark::State& state) { run_weft(state, false); }

// ---- the raw liburing ceiling -------------------------------------------------------------

struct raw_pair {
  int client = -1;
  int server = -1;
  std::vector<char> out, back, sbuf;
  std::size_t got = 0;     // client bytes received this round
  std::size_t sgot = 0;    // server bytes pending echo
  long rounds_left = 0;
};

enum : std::uint64_t { op_csend = 0, op_crecv = 1, op_srecv = 2, op_ssend = 3 };

void BM_net_tcp_echo_raw_uring(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  const auto size = static_cast<std::size_t>(state.range(1));
  const long per_conn = rounds_per_iteration / conns;
  io_uring ring;
  if (io_uring_queue_init(512, &ring, 0) != 0) {
    state.SkipWithError("io_uring_queue_init failed");
    return;
  }
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(lfd, 1024);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  std::vector<raw_pair> ps(static_cast<std::size_t>(conns));
  const int one = 1;
  for (auto& p : ps) {
    p.client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ::connect(p.client, reinterpret_cast<sockaddr*>(&a), sizeof a);
    p.server = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    ::setsockopt(p.client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(p.server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    p.out.assign(size, 'x');
    p.back.assign(size, 0);
    p.sbuf.assign(16 * 1024, 0);
  }
  auto tag = [](std::size_t i, std::uint64_t op) { return (static_cast<std::uint64_t>(i) << 2) | op; };
  auto push = [&](auto prep) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) {
      io_uring_submit(&ring);
      sqe = io_uring_get_sqe(&ring);
    }
    prep(sqe);
  };
  for (auto _ : state) {
    long live = conns;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      auto& p = ps[i];
      p.rounds_left = per_conn;
      p.got = 0;
      push([&](io_uring_sqe* s) {
        io_uring_prep_recv(s, p.server, p.sbuf.data(), p.sbuf.size(), 0);
        io_uring_sqe_set_data64(s, tag(i, op_srecv));
      });
      push([&](io_uring_sqe* s) {
        io_uring_prep_send(s, p.client, p.out.data(), size, MSG_NOSIGNAL);
        io_uring_sqe_set_data64(s, tag(i, op_csend));
      });
      push([&](io_uring_sqe* s) {
        io_uring_prep_recv(s, p.client, p.back.data(), size, 0);
        io_uring_sqe_set_data64(s, tag(i, op_crecv));
      });
    }
    bool draining = false;
    while (live > 0 || draining) {
      io_uring_submit_and_wait(&ring, 1);
      io_uring_cqe* cqe = nullptr;
      unsigned head = 0, seen = 0;
      io_uring_for_each_cqe(&ring, head, cqe) {
        ++seen;
        const std::size_t i = cqe->user_data >> 2;
        auto& p = ps[i];
        const int res = cqe->res;
        switch (cqe->user_data & 3) {
        case op_srecv:
          if (res <= 0) break;
          p.sgot = static_cast<std::size_t>(res);
          push([&](io_uring_sqe* s) {
            io_uring_prep_send(s, p.server, p.sbuf.data(), p.sgot, MSG_NOSIGNAL);
            io_uring_sqe_set_data64(s, tag(i, op_ssend));
          });
          break;
        case op_ssend:
          push([&](io_uring_sqe* s) {
            io_uring_prep_recv(s, p.server, p.sbuf.data(), p.sbuf.size(), 0);
            io_uring_sqe_set_data64(s, tag(i, op_srecv));
          });
          break;
        case op_csend:
          break;
        case op_crecv:
          if (res <= 0) break;
          p.got += static_cast<std::size_t>(res);
          if (p.got < size) {
            push([&](io_uring_sqe* s) {
              io_uring_prep_recv(s, p.client, p.back.data() + p.got, size - p.got, 0);
              io_uring_sqe_set_data64(s, tag(i, op_crecv));
            });
            break;
          }
          p.got = 0;
          if (--p.rounds_left == 0) {
            --live;
            break;
          }
          push([&](io_uring_sqe* s) {
            io_uring_prep_send(s, p.client, p.out.data(), size, MSG_NOSIGNAL);
            io_uring_sqe_set_data64(s, tag(i, op_csend));
          });
          push([&](io_uring_sqe* s) {
            io_uring_prep_recv(s, p.client, p.back.data(), size, 0);
            io_uring_sqe_set_data64(s, tag(i, op_crecv));
          });
          break;
        }
      }
      io_uring_cq_advance(&ring, seen);
      draining = false;
    }
    // The server recvs stay armed into the next iteration; cancel them now.
    push([&](io_uring_sqe* s) {
      io_uring_prep_cancel64(s, 0, IORING_ASYNC_CANCEL_ANY);
      io_uring_sqe_set_data64(s, ~0ull);
    });
    io_uring_submit(&ring);
    long pending = conns + 1;  // one cancelled recv per connection, plus the cancel itself
    while (pending > 0) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring, &cqe) != 0) break;
      --pending;
      io_uring_cqe_seen(&ring, cqe);
    }
  }
  state.SetItemsProcessed(state.iterations() * per_conn * conns);
  for (auto& p : ps) {
    ::close(p.client);
    ::close(p.server);
  }
  ::close(lfd);
  io_uring_queue_exit(&ring);
}

void echo_args(benchmark::internal::Benchmark* b) {
  for (int conns : {1, 50})
    for (int size : {64, 4096}) b->Args({conns, size});
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_net_tcp_echo)->Apply(echo_args);
BENCHMARK(BM_net_tcp_echo_plain)->Apply(echo_args);
BENCHMARK(BM_net_tcp_echo_raw_uring)->Apply(echo_args);

} // namespace
