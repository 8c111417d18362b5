// bench/loadgen/loadgen.cpp: a single-threaded TCP ping-pong load generator on its own
// io_uring loop (no weft code: weft must not measure itself).
//
//   weft_loadgen -p PORT [-c CONNS] [-s SIZE] [-d SECONDS] [-w SECONDS] [--cpu N]
//                [--mode echo|http] [--server-pid PID] [--server-cpu N]
//   weft_loadgen -p PORT --probe            exit 0 once PORT accepts (10 s at most)
//
// Each of C connections keeps exactly one request in flight: send it, receive until the
// answer is complete (protocol.hpp), check it, record the round trip, send the next. The
// first W seconds warm up; then the counters restart and the next D seconds are measured.
// Submissions are batched: one io_uring_enter per loop turn submits every send and receive
// queued while handling the previous turn's completions, so the client spends as little CPU
// per message as possible (on loopback it pays about as much kernel work per message as the
// server does, and is the first to saturate).
//
// Output: one line of key=value pairs on stdout, e.g.
//   msgs_per_s=141234.5 msgs=282469 p50_us=331.2 p99_us=702.1 p999_us=1011.3 max_us=2210.0
//   srv_cpu_us_per_msg=6.41 srv_cpu_pct=90.5 srv_cpu_source=schedstat srv_core_us_per_msg=6.9
//   srv_core_pct=97.0 cli_cpu_pct=99.1 conns=50 size=64 stalled=0 errors=0
// (stalled: connections whose request was sent before the window and still had no answer at
// its end.) Exit status: 0 on success; 1 when a check failed (a bad answer, a closed
// connection) or no answer at all completed in the window; 2 on a usage or setup error.
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cpu_meter.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "protocol.hpp"

namespace {

using namespace loadgen;

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

[[noreturn]] void die(const char* what, int err) {
  std::fprintf(stderr, "loadgen: %s: %s\n", what, std::strerror(err));
  std::exit(2);
}

sockaddr_in address_of(const options& o) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &a.sin_addr) != 1) {
    std::fprintf(stderr, "loadgen: bad IPv4 address %s\n", o.host.c_str());
    std::exit(2);
  }
  return a;
}

// A connected, blocking TCP socket with TCP_NODELAY; -errno on failure.
int connect_to(const sockaddr_in& a) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Safety: sockaddr_in is the documented layout for an AF_INET sockaddr.
  if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

int probe(const options& o) {
  const auto a = address_of(o);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(o.probe_timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = connect_to(a);
    if (fd >= 0) {
      close(fd);
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::fprintf(stderr, "loadgen: nothing accepts on %s:%d after %.0f s\n", o.host.c_str(),
               o.port, o.probe_timeout_s);
  return 1;
}

struct connection {
  int fd = -1;
  protocol proto;
  std::unique_ptr<char[]> reply;
  std::string_view request;  // the request in flight
  std::size_t sent = 0;      // bytes of `request` the kernel took
  std::size_t got = 0;       // bytes of the answer received
  std::uint64_t seq = 0;
  std::uint64_t started_ns = 0;
  bool send_done = false;
  bool answer_done = false;
};

enum : std::uint64_t { op_send = 0, op_recv = 1 };

class client {
public:
  explicit client(const options& o) : o_(o) {
    unsigned entries = 64;
    while (entries < 2U * static_cast<unsigned>(o.conns) + 16) entries *= 2;
    if (entries > 32768) entries = 32768;
    // The best setup the kernel accepts: DEFER_TASKRUN (6.1) runs completions only when we
    // wait for them; SINGLE_ISSUER (6.0) is its precondition; COOP_TASKRUN (5.19) else.
    const unsigned tries[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                              IORING_SETUP_COOP_TASKRUN, 0};
    int rc = -EINVAL;
    for (const unsigned flags : tries) {
      io_uring_params p{};
      p.flags = flags | IORING_SETUP_CQSIZE;
      p.cq_entries = entries * 4;
      rc = io_uring_queue_init_params(entries, &ring_, &p);
      if (rc == 0) break;
    }
    if (rc < 0) die("io_uring_queue_init_params", -rc);

    const auto a = address_of(o);
    conns_.reserve(static_cast<std::size_t>(o.conns));
    for (int i = 0; i < o.conns; ++i) {
      const int fd = connect_to(a);
      if (fd < 0) die("connect", -fd);
      connection c{fd, protocol(o.mode, o.size, i), nullptr, {}, 0, 0, 0, 0, false, false};
      c.reply = std::make_unique<char[]>(c.proto.reply_capacity());
      conns_.push_back(std::move(c));
    }
  }

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  ~client() {
    // RST instead of FIN: no TIME_WAIT left behind by hundreds of runs (servers see a reset).
    const linger hard{1, 0};
    for (auto& c : conns_) {
      setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      close(c.fd);
    }
    io_uring_queue_exit(&ring_);
  }

  int run() {
    const auto t0 = now_ns();
    const auto warm_end = t0 + static_cast<std::uint64_t>(o_.warmup_s * 1e9);
    const auto end = warm_end + static_cast<std::uint64_t>(o_.duration_s * 1e9);
    for (std::size_t i = 0; i < conns_.size(); ++i) start_request(i, t0);

    bool measuring = false;
    window w{};
    if (o_.warmup_s <= 0) {
      measuring = true;
      w = window::open(o_);
    }
    while (failed_ == 0) {
      const auto t = now_ns();
      if (!measuring && t >= warm_end) {
        hist_.reset();
        msgs_ = 0;
        measuring = true;
        w = window::open(o_);
      }
      if (t >= end) break;
      __kernel_timespec wait{0, 20'000'000};
      io_uring_cqe* cqe = nullptr;
      const int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &wait, nullptr);
      if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN)
        die("io_uring_submit_and_wait_timeout", -rc);
      reap();
    }
    if (!measuring) w = window::open(o_);  // failed during warm-up: report an empty window
    const auto closed = w.close(o_);
    const double secs = closed.wall_ns > 0 ? static_cast<double>(closed.wall_ns) / 1e9 : 1;
    const double msgs = static_cast<double>(msgs_);
    auto per_msg_us = [&](std::uint64_t ns) { return msgs > 0 ? static_cast<double>(ns) / 1e3 / msgs : 0; };
    auto pct = [&](std::uint64_t ns, std::uint64_t of) { return of > 0 ? 100.0 * static_cast<double>(ns) / static_cast<double>(of) : 0; };
    std::printf("msgs_per_s=%.1f msgs=%llu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f",
                msgs / secs, static_cast<unsigned long long>(msgs_), hist_.quantile_ns(0.50) / 1e3,
                hist_.quantile_ns(0.99) / 1e3, hist_.quantile_ns(0.999) / 1e3,
                static_cast<double>(hist_.max_ns()) / 1e3);
    if (o_.server_pid > 0)
      std::printf(" srv_cpu_us_per_msg=%.3f srv_cpu_pct=%.1f srv_cpu_source=%s",
                  per_msg_us(closed.server_ns), pct(closed.server_ns, closed.wall_ns),
                  closed.server_precise ? "schedstat" : "stat");
    if (o_.server_cpu >= 0)
      std::printf(" srv_core_us_per_msg=%.3f srv_core_pct=%.1f", per_msg_us(closed.core_busy_ns),
                  pct(closed.core_busy_ns, closed.core_total_ns));
    // A connection whose request in flight is older than the window got no answer in it.
    std::size_t stalled = 0;
    for (const auto& c : conns_) stalled += c.started_ns < w.wall_ns ? 1 : 0;
    std::printf(" cli_cpu_pct=%.1f conns=%d size=%d stalled=%zu errors=%llu\n",
                pct(closed.client_ns, closed.wall_ns), o_.conns, o_.size, stalled,
                static_cast<unsigned long long>(failed_));
    std::fflush(stdout);
    if (failed_ == 0 && msgs_ == 0)
      std::fprintf(stderr, "loadgen: no answer completed in the measured window\n");
    return failed_ == 0 && msgs_ > 0 ? 0 : 1;
  }

private:
  // CPU counters at the edges of the measured window.
  struct window {
    std::uint64_t wall_ns = 0, client_ns = 0;
    process_sample server{};
    cpu_sample core{};

    static std::uint64_t self_ns() {
      rusage u{};
      getrusage(RUSAGE_SELF, &u);
      auto ns = [](const timeval& tv) {
        return static_cast<std::uint64_t>(tv.tv_sec) * 1'000'000'000ULL +
               static_cast<std::uint64_t>(tv.tv_usec) * 1000ULL;
      };
      return ns(u.ru_utime) + ns(u.ru_stime);
    }
    static window open(const options& o) {
      window w;
      if (o.server_pid > 0) w.server = process_cpu(o.server_pid);
      if (o.server_cpu >= 0) w.core = cpu_busy(o.server_cpu);
      w.client_ns = self_ns();
      w.wall_ns = now_ns();
      return w;
    }
    struct deltas {
      std::uint64_t wall_ns, client_ns, server_ns, core_busy_ns, core_total_ns;
      bool server_precise;
    };
    [[nodiscard]] deltas close(const options& o) const {
      const auto wall = now_ns();
      const auto me = self_ns();
      process_sample s{};
      if (o.server_pid > 0) s = process_cpu(o.server_pid);
      cpu_sample c{};
      if (o.server_cpu >= 0) c = cpu_busy(o.server_cpu);
      // A thread that exited inside the window takes its schedstat time with it; never let
      // that show up as a huge unsigned number.
      auto diff = [](std::uint64_t b, std::uint64_t a) { return b > a ? b - a : 0; };
      return {wall - wall_ns, diff(me, client_ns), diff(s.ns, server.ns),
              diff(c.busy_ns, core.busy_ns), diff(c.total_ns, core.total_ns),
              s.precise && server.precise};
    }
  };

  io_uring_sqe* sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (s == nullptr) {
      io_uring_submit(&ring_);
      s = io_uring_get_sqe(&ring_);
    }
    return s;
  }

  void queue_send(std::size_t i) {
    auto& c = conns_[i];
    io_uring_sqe* s = sqe();
    io_uring_prep_send(s, c.fd, c.request.data() + c.sent, c.request.size() - c.sent, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, i << 1 | op_send);
  }

  void queue_recv(std::size_t i) {
    auto& c = conns_[i];
    io_uring_sqe* s = sqe();
    io_uring_prep_recv(s, c.fd, c.reply.get() + c.got, c.proto.want(c.got), 0);
    io_uring_sqe_set_data64(s, i << 1 | op_recv);
  }

  void start_request(std::size_t i, std::uint64_t t) {
    auto& c = conns_[i];
    c.request = c.proto.next_request(++c.seq);
    c.sent = c.got = 0;
    c.send_done = c.answer_done = false;
    c.started_ns = t;
    queue_send(i);
    queue_recv(i);
  }

  void fail(std::size_t i, const char* what) {
    if (failed_++ == 0)
      std::fprintf(stderr, "loadgen: connection %zu, request %llu: %s\n", i,
                   static_cast<unsigned long long>(conns_[i].seq), what);
  }

  // A request is over when the kernel took all of it and the whole answer is in: only then
  // does the next one start (an answer can complete before the send's CQE is reaped).
  void maybe_next(std::size_t i) {
    auto& c = conns_[i];
    if (!(c.send_done && c.answer_done)) return;
    const auto t = now_ns();
    hist_.record(t - c.started_ns);
    ++msgs_;
    start_request(i, t);
  }

  void reap() {
    unsigned head = 0, seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      const std::uint64_t ud = io_uring_cqe_get_data64(cqe);
      const std::size_t i = ud >> 1;
      auto& c = conns_[i];
      const int res = cqe->res;
      if (res < 0) {
        fail(i, std::strerror(-res));
        continue;
      }
      if ((ud & 1) == op_send) {
        c.sent += static_cast<std::size_t>(res);
        if (c.sent < c.request.size()) {
          queue_send(i);
        } else {
          c.send_done = true;
          maybe_next(i);
        }
        continue;
      }
      if (res == 0) {
        fail(i, "the server closed the connection");
        continue;
      }
      c.got += static_cast<std::size_t>(res);
      switch (c.proto.check(c.reply.get(), c.got)) {
        case verdict::need_more: queue_recv(i); break;
        case verdict::bad: fail(i, "wrong answer bytes"); break;
        case verdict::complete:
          c.answer_done = true;
          maybe_next(i);
          break;
      }
    }
    io_uring_cq_advance(&ring_, seen);
  }

  const options& o_;
  io_uring ring_{};
  std::vector<connection> conns_;
  histogram hist_;
  std::uint64_t msgs_ = 0;
  std::uint64_t failed_ = 0;
};

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity", errno);
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  if (o.probe) return probe(o);
  raise_fd_limit();
  if (o.cpu >= 0) pin_to(o.cpu);
  client c(o);
  return c.run();
}
