// tests/net/udp_unix_test.cpp: UDP (send_to / recv_from, 0-byte and truncated datagrams,
// connect + send / recv, options) and unix sockets (path and abstract listeners, socketpair,
// datagrams), plus a large write_all over a socketpair.
#include <gtest/gtest.h>

#include <weft/net/udp_socket.hpp>

#include <weft/net/unix_datagram.hpp>

#include <weft/net/unix_listener.hpp>

#include <weft/net/unix_stream.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "net/net_test_support.hpp"
#include "support/runtime_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::net::socket_address;
using weft::net::udp_socket;

std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(UdpTest, SendToAndRecvFromWithZeroByteAndTruncatedDatagrams) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto a = udp_socket::bind(socket_address::loopback_v4(0)).value();
  auto b = udp_socket::bind("127.0.0.1:0").value();
  const auto aa = a.local_addr().value();
  const auto ba = b.local_addr().value();
  std::array<std::byte, 8> buf{};

  ASSERT_EQ(rt.block_on(a.send_to(bytes_of("hi"), ba)).value(), 2u);
  auto d = rt.block_on(b.recv_from(buf)).value();
  EXPECT_EQ(d.size, 2u);
  EXPECT_FALSE(d.truncated);
  EXPECT_EQ(d.peer, aa);

  // A 0-byte datagram is a datagram: it arrives as a 0-byte receive, not as nothing.
  ASSERT_EQ(rt.block_on(a.send_to({}, ba)).value(), 0u);
  d = rt.block_on(b.recv_from(buf)).value();
  EXPECT_EQ(d.size, 0u);
  EXPECT_EQ(d.full_size, 0u);
  EXPECT_FALSE(d.truncated);

  // Truncation is reported with the real length, and the next datagram is intact.
  const std::string big(100, 'x');
  ASSERT_EQ(rt.block_on(a.send_to(bytes_of(big), ba)).value(), 100u);
  ASSERT_EQ(rt.block_on(a.send_to(bytes_of("next"), ba)).value(), 4u);
  d = rt.block_on(b.recv_from(buf)).value();
  EXPECT_TRUE(d.truncated);
  EXPECT_EQ(d.size, buf.size());
  EXPECT_EQ(d.full_size, 100u);
  d = rt.block_on(b.recv_from(buf)).value();
  EXPECT_FALSE(d.truncated);
  EXPECT_EQ(d.size, 4u);
  EXPECT_EQ(std::memcmp(buf.data(), "next", 4), 0);
}

TEST(UdpTest, ConnectedSendAndRecvAndOptions) {
  auto rt = weft::runtime::builder().workers(1).build();
  auto a = udp_socket::bind(socket_address::loopback_v4(0)).value();
  auto b = udp_socket::bind(socket_address::loopback_v4(0)).value();
  ASSERT_TRUE(a.connect(b.local_addr().value()));
  ASSERT_TRUE(b.connect(a.local_addr().value()));
  EXPECT_EQ(a.peer_addr().value(), b.local_addr().value());
  ASSERT_TRUE(rt.block_on(a.send(bytes_of("ping"))));
  std::array<std::byte, 16> buf{};
  EXPECT_EQ(rt.block_on(b.recv(buf)).value(), 4u);
  ASSERT_TRUE(a.set_broadcast(true));
  EXPECT_TRUE(a.broadcast().value());
  ASSERT_TRUE(a.set_multicast_loop_v4(true));
  ASSERT_TRUE(a.set_multicast_ttl_v4(2));
  auto m = udp_socket::bind(socket_address::v4({0, 0, 0, 0}, 0)).value();
  auto joined = m.join_multicast_v4(socket_address::v4({239, 1, 2, 3}, 0),
                                    socket_address::v4({127, 0, 0, 1}, 0));
  if (joined) {
    EXPECT_TRUE(m.leave_multicast_v4(socket_address::v4({239, 1, 2, 3}, 0),
                                     socket_address::v4({127, 0, 0, 1}, 0)));
  }
  EXPECT_EQ(m.join_multicast_v6(socket_address::v4({239, 1, 2, 3}, 0), 0).error(),
            std::errc::address_family_not_supported);
}

TEST(UdpTest, RecvFromIsCancelSafeInASelectLoop) {
  auto rt = weft::runtime::builder().workers(2).build();
  auto a = udp_socket::bind(socket_address::loopback_v4(0)).value();
  auto b = udp_socket::bind(socket_address::loopback_v4(0)).value();
  const auto to = b.local_addr().value();
  const int n = 200;
  auto sender = rt.spawn([](udp_socket& s, socket_address dst, int count) -> weft::task<void> {
    for (int i = 0; i < count; ++i) {
      std::array<std::byte, 4> v{};
      std::memcpy(v.data(), &i, 4);
      (void)co_await s.send_to(v, dst);
      if (i % 8 == 0) co_await weft::time::sleep(200us);
    }
  }(a, to, n));
  const int got = rt.block_on([](udp_socket& s, int count) -> weft::task<int> {
    int next = 0;
    while (next < count) {
      std::array<std::byte, 4> v{};
      auto r = co_await weft::select(s.recv_from(v), weft::time::sleep(50us));
      if (r.index() == 1) continue;
      auto d = std::get<0>(r);
      if (!d) co_return -1;
      int i = 0;
      std::memcpy(&i, v.data(), 4);
      if (i != next) co_return -2;  // loopback keeps order; a gap is a lost datagram
      ++next;
    }
    co_return next;
  }(b, n));
  EXPECT_EQ(got, n);
  rt.block_on(std::move(sender));
}

std::string temp_sock_path() {
  return (std::filesystem::temp_directory_path() /
          ("weft-net-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()) + ".sock"))
      .string();
}

weft::task<bool> unix_echo_once(weft::net::unix_listener& l, std::string name) {
  auto c = co_await weft::net::unix_stream::connect(name);
  if (!c) co_return false;
  auto a = co_await l.accept();
  if (!a) co_return false;
  if (!co_await c->write_all(bytes_of("unix!"))) co_return false;
  std::array<std::byte, 5> buf{};
  if (!co_await a->first.read_exact(buf)) co_return false;
  co_return std::memcmp(buf.data(), "unix!", 5) == 0;
}

TEST(UnixTest, PathAndAbstractListeners) {
  auto rt = weft::runtime::builder().current_thread().build();
  const std::string path = temp_sock_path();
  {
    auto l = weft::net::unix_listener::bind(path).value();
    EXPECT_EQ(l.local_addr().value(), path);
    EXPECT_TRUE(rt.block_on(unix_echo_once(l, path)));
  }
  std::filesystem::remove(path);
  const std::string abstract = "@weft-test-" + std::to_string(::getpid());
  auto l = weft::net::unix_listener::bind(abstract).value();
  EXPECT_EQ(l.local_addr().value(), abstract);
  EXPECT_FALSE(std::filesystem::exists(abstract.substr(1)));
  EXPECT_TRUE(rt.block_on(unix_echo_once(l, abstract)));
  auto r = rt.block_on(weft::net::unix_stream::connect("@weft-nobody-" + std::to_string(::getpid())));
  EXPECT_EQ(r.error(), std::errc::connection_refused);
  EXPECT_EQ(weft::net::unix_listener::bind(std::string(200, 'a')).error(),
            std::errc::filename_too_long);
  EXPECT_EQ(weft::net::unix_listener::bind("").error(), std::errc::invalid_argument);
}

TEST(UnixTest, DatagramsWithNamesPairsAndTruncation) {
  auto rt = weft::runtime::builder().current_thread().build();
  const std::string name = "@weft-dgram-" + std::to_string(::getpid());
  auto server = weft::net::unix_datagram::bind(name).value();
  auto client = weft::net::unix_datagram::bind(name + "-c").value();
  ASSERT_TRUE(rt.block_on(client.send_to(bytes_of("hello"), name)));
  std::array<std::byte, 3> small{};
  auto d = rt.block_on(server.recv_from(small)).value();
  EXPECT_TRUE(d.truncated);
  EXPECT_EQ(d.full_size, 5u);
  EXPECT_EQ(d.peer, name + "-c");
  ASSERT_TRUE(rt.block_on(client.send_to({}, name)));
  d = rt.block_on(server.recv_from(small)).value();
  EXPECT_EQ(d.size, 0u);
  EXPECT_FALSE(d.truncated);
  EXPECT_EQ(rt.block_on(client.send_to(bytes_of("x"), std::string(300, 'p'))).error(),
            std::errc::filename_too_long);
  auto [p, q] = weft::net::unix_datagram::pair().value();
  ASSERT_TRUE(rt.block_on(p.send(bytes_of("pq"))));
  EXPECT_EQ(rt.block_on(q.recv(small)).value(), 2u);
}

weft::task<bool> big_writer(weft::net::unix_stream& s, std::size_t n) {
  std::vector<std::byte> chunk(1u << 20);
  for (std::size_t off = 0; off < n; off += chunk.size()) {
    weft::test::fill_pattern(chunk, 11, off);
    if (!co_await s.write_all(std::span(chunk).first(std::min(chunk.size(), n - off)))) co_return false;
  }
  co_return s.shutdown().has_value();
}

weft::task<std::uint64_t> big_reader(weft::net::unix_stream& s) {
  std::vector<std::byte> buf(256 * 1024);
  weft::test::fnv1a f;
  for (;;) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) break;
    f.add(std::span(buf).first(*n));
  }
  co_return f.digest();
}

TEST(UnixTest, LargeWriteAllOverASocketpair) {
  const std::size_t n = weft::test::long_tests() ? (3ull << 30)
                                                 : static_cast<std::size_t>(weft::test::scaled(64 << 20, 64 << 20, 16 << 20));
  auto rt = weft::runtime::builder().workers(2).build();
  auto [a, b] = weft::net::unix_stream::pair().value();
  auto w = rt.spawn(big_writer(a, n));
  const std::uint64_t h = rt.block_on(big_reader(b));
  EXPECT_TRUE(rt.block_on(std::move(w)));
  EXPECT_EQ(h, weft::test::pattern_hash(11, n));
}

} // namespace
