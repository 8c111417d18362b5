// tests/net/tcp_test.cpp: TCP over loopback: echo round trips, many connections byte-exact by
// hash with 10% of clients resetting mid-transfer (SIGPIPE at default, fds back to baseline),
// connect errors, connect churn, cancelled connects, zero-length reads, split halves used by
// two tasks, a select(read, timer) loop that loses no bytes, options and addresses.
#include <gtest/gtest.h>

#include <weft/net/tcp_listener.hpp>

#include <weft/net/tcp_stream.hpp>

#include <array>
#include <atomic>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>

#include "net/net_test_support.hpp"
#include "support/io_support.hpp"
#include "support/runtime_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::net::socket_address;
using weft::net::tcp_listener;
using weft::net::tcp_stream;
using weft::test::fnv1a;

weft::net::tcp_listener listen_any() {
  return tcp_listener::bind(socket_address::loopback_v4(0)).value();
}

std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(TcpTest, EchoRoundTrip) {
  auto rt = weft::runtime::builder().workers(2).build();
  auto l = listen_any();
  const auto addr = l.local_addr().value();
  EXPECT_NE(addr.port(), 0);
  auto server = rt.spawn([](tcp_listener& lis) -> weft::task<bool> {
    auto a = co_await lis.accept();
    if (!a) co_return false;
    auto [s, peer] = std::move(*a);
    if (!peer.is_loopback()) co_return false;
    co_await weft::test::echo_conn(std::move(s));
    co_return true;
  }(l));
  const std::string got = rt.block_on([](socket_address to) -> weft::task<std::string> {
    auto s = (co_await tcp_stream::connect(to)).value();
    EXPECT_EQ(s.peer_addr().value(), to);
    EXPECT_TRUE(s.local_addr().value().is_loopback());
    const std::string msg = "hello, weft";
    EXPECT_TRUE(co_await s.write_all(bytes_of(msg)));
    std::string back(msg.size(), '\0');
    EXPECT_TRUE(co_await s.read_exact(std::as_writable_bytes(std::span(back.data(), back.size()))));
    co_return back;
  }(addr));
  EXPECT_EQ(got, "hello, weft");
  EXPECT_TRUE(rt.block_on(std::move(server)));
}

TEST(TcpTest, ConnectByNameAndBindByString) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto l = tcp_listener::bind("127.0.0.1:0").value();
  const std::string where = "localhost:" + std::to_string(l.local_addr().value().port());
  auto s = rt.block_on(tcp_stream::connect(where));
  // localhost may resolve to ::1 first; the v4 listener refuses it and the next address wins.
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_TRUE(rt.block_on(l.accept()));
  EXPECT_EQ(tcp_listener::bind("nonsense").error(), weft::net::net_errc::malformed_address);
}

TEST(TcpTest, ConnectToAClosedPortIsRefused) {
  auto rt = weft::runtime::builder().current_thread().build();
  std::uint16_t port = 0;
  {
    auto l = listen_any();
    port = l.local_addr().value().port();
  }  // closed: nothing listens there now
  const std::size_t base = weft::test::fd_count();
  auto r = rt.block_on(tcp_stream::connect(socket_address::loopback_v4(port)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::connection_refused);
  EXPECT_EQ(weft::test::fd_count(), base);
}

TEST(TcpTest, ZeroLengthReadsAndWritesCompleteAtOnce) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto l = listen_any();
  auto c = rt.block_on(tcp_stream::connect(l.local_addr().value())).value();
  auto a = rt.block_on(l.accept()).value();
  std::span<std::byte> none;
  auto n = rt.block_on(c.read(none));  // nothing was sent: would block if it waited
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  auto w = rt.block_on(c.write(std::span<const std::byte>()));
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, 0u);
  (void)a;
}

TEST(TcpTest, EofIsAZeroByteReadAndReadExactReportsIt) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto l = listen_any();
  auto c = rt.block_on(tcp_stream::connect(l.local_addr().value())).value();
  auto a = rt.block_on(l.accept()).value().first;
  ASSERT_TRUE(rt.block_on(a.write_all(bytes_of("ab"))));
  ASSERT_TRUE(a.shutdown(SHUT_WR));
  std::array<std::byte, 4> buf{};
  auto r = rt.block_on(c.read_exact(buf));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), weft::io::unexpected_eof());
  auto n = rt.block_on(c.read(buf));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
}

TEST(TcpTest, OptionsAndClosedHandles) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto l = listen_any();
  auto c = rt.block_on(tcp_stream::connect(l.local_addr().value())).value();
  ASSERT_TRUE(c.set_nodelay(true));
  EXPECT_TRUE(c.nodelay().value());
  ASSERT_TRUE(c.set_keepalive(true, 30));
  EXPECT_TRUE(c.keepalive().value());
  const int fd = c.native_handle();
  EXPECT_TRUE((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  EXPECT_TRUE((::fcntl(l.native_handle(), F_GETFD) & FD_CLOEXEC) != 0);
  c.close();
  EXPECT_EQ(c.set_nodelay(true).error(), std::errc::bad_file_descriptor);
  EXPECT_EQ(c.peer_addr().error(), std::errc::bad_file_descriptor);
  std::array<std::byte, 4> buf{};
  EXPECT_EQ(rt.block_on(c.read(buf)).error(), std::errc::bad_file_descriptor);
  EXPECT_EQ(rt.block_on(c.write(buf)).error(), std::errc::bad_file_descriptor);
  tcp_stream empty;
  EXPECT_EQ(empty.shutdown().error(), std::errc::bad_file_descriptor);
}

TEST(TcpTest, ReusePortLetsTwoListenersShareAPort) {
  weft::net::listen_options o;
  o.reuse_port = true;
  auto a = tcp_listener::bind(socket_address::loopback_v4(0), o).value();
  auto b = tcp_listener::bind(a.local_addr().value(), o);
  ASSERT_TRUE(b) << b.error().message();
  auto c = tcp_listener::bind(a.local_addr().value());  // without the option: in use
  EXPECT_EQ(c.error(), std::errc::address_in_use);
}

TEST(TcpTest, Ipv6Loopback) {
  auto l6 = tcp_listener::bind(socket_address::loopback_v6(0));
  if (!l6) GTEST_SKIP() << "no IPv6 loopback: " << l6.error().message();
  auto rt = weft::runtime::builder().current_thread().build();
  auto c = rt.block_on(tcp_stream::connect(l6->local_addr().value()));
  ASSERT_TRUE(c) << c.error().message();
  auto a = rt.block_on(l6->accept()).value();
  EXPECT_TRUE(a.second.is_ipv6());
  EXPECT_EQ(c->local_addr().value(), a.second);
}

// ---- many connections, resets, fds --------------------------------------------------------

weft::task<bool> pattern_writer(weft::net::tcp_write_half w, std::uint64_t seed, std::size_t n) {
  std::vector<std::byte> buf(24 * 1024 + 7);
  for (std::size_t off = 0; off < n;) {
    const std::size_t k = std::min(buf.size(), n - off);
    weft::test::fill_pattern(std::span(buf).first(k), seed, off);
    if (!co_await w.write_all(std::span(buf).first(k))) co_return false;
    off += k;
  }
  co_return true;
}

weft::task<bool> echo_client(socket_address addr, std::uint64_t seed, std::size_t n, bool reset) {
  auto s = co_await tcp_stream::connect(addr);
  if (!s) co_return false;
  auto halves = std::move(*s).into_split();
  auto r = std::move(halves.first);
  auto writer = weft::spawn(pattern_writer(std::move(halves.second), seed, reset ? n / 2 : n));
  if (reset) {
    const bool ok = co_await writer;
    linger lg{1, 0};
    ::setsockopt(r.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    co_return ok;  // the last half closes here: RST, with the server mid-echo
  }
  std::vector<std::byte> buf(32 * 1024);
  fnv1a f;
  std::size_t got = 0;
  while (got < n) {
    auto k = co_await r.read(buf);
    if (!k || *k == 0) co_return false;
    f.add(std::span(buf).first(*k));
    got += *k;
  }
  const bool wrote = co_await writer;
  co_return wrote && f.digest() == weft::test::pattern_hash(seed, n);
}

weft::task<void> accept_n(tcp_listener& l, int n) {
  auto in = l.incoming();
  for (int i = 0; i < n; ++i) {
    auto s = co_await in.next();
    if (!s || !*s) continue;
    weft::spawn(weft::test::echo_conn(std::move(**s))).detach();
  }
}

weft::task<int> run_clients(socket_address addr, int clients, std::size_t n) {
  std::vector<weft::join_handle<bool>> hs;
  for (int i = 0; i < clients; ++i)
    hs.push_back(weft::spawn(echo_client(addr, 1000 + static_cast<std::uint64_t>(i), n, i % 10 == 3)));
  int ok = 0;
  for (auto& h : hs) ok += (co_await h) ? 1 : 0;
  co_return ok;
}

TEST(TcpTest, ManyConnectionsEchoByteExactWhileSomeReset) {
  weft::test::sigpipe_default sig;
  const bool big = weft::test::long_tests();
  const int clients = big ? 1000 : static_cast<int>(weft::test::scaled(100, 100, 40));
  const std::size_t n = big ? (1u << 20) : (256u << 10);
  weft::test::watchdog dog(big ? 600s : 120s, "tcp echo many");
  // Two fds per connection in this process: raise the soft limit towards the hard one.
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  const rlim_t need = static_cast<rlim_t>(clients) * 2 + 256;
  if (rl.rlim_cur < need) {
    rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  const std::size_t base = weft::test::fd_count();
  {
    auto rt = weft::runtime::builder().workers(2).build();
    (void)rt.block_on(weft::io::nop());  // the block_on thread's ring exists from here on
    const std::size_t with_rt = weft::test::fd_count();
    weft::net::listen_options o;
    o.backlog = 4096;
    auto l = tcp_listener::bind(socket_address::loopback_v4(0), o).value();
    const auto addr = l.local_addr().value();
    auto server = rt.spawn(accept_n(l, clients));
    const int ok = rt.block_on(run_clients(addr, clients, n));
    EXPECT_EQ(ok, clients);
    rt.block_on(std::move(server));
    l.close();
    EXPECT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == with_rt; }))
        << weft::test::fd_count() << " fds open, " << with_rt << " at baseline";
  }
  EXPECT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == base; }));
}

TEST(TcpTest, ConnectChurnLeaksNoFds) {
  auto rt = weft::runtime::builder().workers(2).build();
  auto l = listen_any();
  const auto addr = l.local_addr().value();
  (void)rt.block_on(weft::io::nop());  // the block_on thread's ring exists from here on
  const std::size_t base = weft::test::fd_count();
  const int rounds = static_cast<int>(weft::test::scaled(2000, 500, 200));
  const int ok = rt.block_on([](tcp_listener& lis, socket_address to, int count) -> weft::task<int> {
    int good = 0;
    for (int i = 0; i < count; ++i) {
      auto c = co_await tcp_stream::connect(to);
      auto a = co_await lis.accept();
      if (c && a) ++good;
    }
    co_return good;
  }(l, addr, rounds));
  EXPECT_EQ(ok, rounds);
  EXPECT_EQ(weft::test::fd_count(), base);
}

TEST(TcpTest, CancelledConnectsLeakNoFds) {
  auto rt = weft::runtime::builder().workers(2).build();
  // A listener that never accepts, with the smallest backlog: once it is full, connects
  // hang in SYN_SENT until cancelled.
  weft::net::listen_options o;
  o.backlog = 0;
  auto l = tcp_listener::bind(socket_address::loopback_v4(0), o).value();
  const auto addr = l.local_addr().value();
  (void)rt.block_on(weft::io::nop());  // the block_on thread's ring exists from here on
  const std::size_t base = weft::test::fd_count();
  const int rounds = 64;
  const int timed_out = rt.block_on([](socket_address to, int count) -> weft::task<int> {
    std::vector<tcp_stream> keep;  // connects that got in stay open until the end
    int expired = 0;
    for (int i = 0; i < count; ++i) {
      auto r = co_await weft::time::timeout(2ms, tcp_stream::connect(to));
      if (!r) {
        ++expired;
      } else if (*r) {
        keep.push_back(std::move(**r));
      }
    }
    co_return expired;
  }(addr, rounds));
  EXPECT_GT(timed_out, 0) << "the backlog never filled: no connect was cancelled";
  EXPECT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == base; }));
  // And through select against a timer that wins at once.
  const std::size_t before = weft::test::fd_count();
  rt.block_on([](socket_address to) -> weft::task<void> {
    for (int i = 0; i < 32; ++i) {
      auto v = co_await weft::select(tcp_stream::connect(to), weft::time::sleep(0ms));
      (void)v;
    }
  }(addr));
  EXPECT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == before; }));
}

TEST(TcpTest, SplitHalvesWorkFromTwoTasksAtOnce) {
  auto rt = weft::runtime::builder().workers(2).build();
  auto l = listen_any();
  auto server = rt.spawn(accept_n(l, 1));
  const std::size_t n = 4u << 20;
  const bool ok = rt.block_on(echo_client(l.local_addr().value(), 7, n, false));
  EXPECT_TRUE(ok);
  rt.block_on(std::move(server));
}

weft::task<std::size_t> select_reader(tcp_stream& s, std::size_t n, int& timer_wins) {
  std::vector<std::byte> buf(1000);
  fnv1a f;
  std::size_t got = 0;
  while (got < n) {
    auto v = co_await weft::select(s.read(buf), weft::time::sleep(100us));
    if (v.index() == 1) {
      ++timer_wins;
      continue;
    }
    auto k = std::get<0>(v);
    if (!k || *k == 0) break;
    f.add(std::span(buf).first(*k));
    got += *k;
  }
  co_return f.digest() == weft::test::pattern_hash(3, n) ? got : 0;
}

weft::task<void> trickle(tcp_stream s, std::size_t n) {
  std::vector<std::byte> buf(n);
  weft::test::fill_pattern(buf, 3, 0);
  for (std::size_t off = 0; off < n; off += 777) {
    const std::size_t k = std::min<std::size_t>(777, n - off);
    if (!co_await s.write_all(std::span(buf).subspan(off, k))) co_return;
    co_await weft::time::sleep(50us);
  }
}

TEST(TcpTest, SelectOfReadAndTimerLosesNoBytes) {
  auto rt = weft::runtime::builder().workers(2).build();
  auto l = listen_any();
  auto c = rt.block_on(tcp_stream::connect(l.local_addr().value())).value();
  auto a = rt.block_on(l.accept()).value().first;
  const std::size_t n = 300 * 1000;
  auto w = rt.spawn(trickle(std::move(a), n));
  int timer_wins = 0;
  const std::size_t got = rt.block_on(select_reader(c, n, timer_wins));
  EXPECT_EQ(got, n);
  rt.block_on(std::move(w));
  RecordProperty("timer_wins", timer_wins);
}

} // namespace
