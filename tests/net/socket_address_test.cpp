// tests/net/socket_address_test.cpp: parsing and formatting of socket addresses (IPv4, IPv6,
// scope ids, malformed input as a clear error) and lookup_host on the blocking pool.
#include <gtest/gtest.h>

#include <weft/net/socket_address.hpp>

#include <weft/net/lookup_host.hpp>

#include <string>
#include <string_view>

#include "weft/weft.hpp"

namespace {

using weft::net::socket_address;

TEST(SocketAddressTest, ParsesAndFormatsIpv4) {
  auto a = socket_address::parse("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_ipv4());
  EXPECT_EQ(a->port(), 8080);
  EXPECT_TRUE(a->is_loopback());
  EXPECT_EQ(a->to_string(), "127.0.0.1:8080");
  EXPECT_EQ(*a, socket_address::loopback_v4(8080));
}

TEST(SocketAddressTest, ParsesAndFormatsIpv6WithBrackets) {
  auto a = socket_address::parse("[::1]:443");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_ipv6());
  EXPECT_EQ(a->port(), 443);
  EXPECT_TRUE(a->is_loopback());
  EXPECT_EQ(a->to_string(), "[::1]:443");
  auto b = socket_address::parse("[fe80::1%2]:1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "[fe80::1%2]:1");
  EXPECT_EQ(socket_address::parse(b->to_string()).value(), *b);
  auto c = socket_address::parse("[2001:db8::ff00:42:8329]:65535");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to_string(), "[2001:db8::ff00:42:8329]:65535");
}

TEST(SocketAddressTest, MalformedInputIsAClearError) {
  for (const char* bad : {"", ":", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1",
                          "1.2.3:80", "::1:80", "[::1]80", "[::1]:", "[1.2.3.4]:80", "[::1:80",
                          "256.1.1.1:1", "localhost:80", "1.2.3.4:8a", "1.2.3.4:123456",
                          "[fe80::1%]:1", "[fe80::1%x]:1"}) {
    auto a = socket_address::parse(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error(), weft::net::net_errc::malformed_address) << bad;
    EXPECT_NE(a.error().message().find("malformed socket address"), std::string::npos);
  }
}

// Found by tests/fuzz/socket_address_fuzz.cpp: a NUL inside the host ended the text
// inet_pton saw, so "127.0.0.1\0junk:80" parsed as 127.0.0.1:80; and scope ids above 10^9
// (the kernel's sin6_scope_id is any uint32) did not parse back from to_string().
TEST(SocketAddressTest, AnEmbeddedNulIsMalformedAndEveryScopeIdRoundTrips) {
  using namespace std::string_view_literals;
  for (auto bad : {"127.0.0.1\0junk:80"sv, "[::1\0]:80"sv, "[fe80::1%1\0]:80"sv}) {
    auto a = socket_address::parse(bad);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error(), weft::net::net_errc::malformed_address);
  }
  auto top = socket_address::parse("[fe80::1%4294967295]:1");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->to_string(), "[fe80::1%4294967295]:1");
  EXPECT_FALSE(socket_address::parse("[fe80::1%4294967296]:1"));
  EXPECT_FALSE(socket_address::parse("[fe80::1%99999999999999999999]:1"));

  sockaddr_in6 k{};
  k.sin6_family = AF_INET6;
  k.sin6_port = htons(9);
  k.sin6_addr.s6_addr[0] = 0xfe;
  k.sin6_addr.s6_addr[1] = 0x80;
  k.sin6_addr.s6_addr[15] = 1;
  k.sin6_scope_id = 3'000'000'000u;
  auto from_kernel = socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&k), sizeof k);
  ASSERT_TRUE(from_kernel);
  auto back = socket_address::parse(from_kernel->to_string());
  ASSERT_TRUE(back) << from_kernel->to_string();
  EXPECT_EQ(*back, *from_kernel);
}

TEST(SocketAddressTest, FromSockaddrRejectsOtherFamiliesAndShortLengths) {
  sockaddr_storage ss{};
  ss.ss_family = AF_UNIX;
  EXPECT_EQ(socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof ss).error(),
            std::errc::address_family_not_supported);
  ss.ss_family = AF_INET6;
  EXPECT_EQ(socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), 8).error(),
            std::errc::invalid_argument);
  EXPECT_FALSE(socket_address::from_sockaddr(nullptr, 0));
}

TEST(LookupHostTest, ResolvesLiteralsAndLocalhost) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto lit = rt.block_on(weft::net::lookup_host("[::1]:99"));
  ASSERT_TRUE(lit);
  ASSERT_EQ(lit->size(), 1u);
  EXPECT_EQ((*lit)[0].to_string(), "[::1]:99");
  auto local = rt.block_on(weft::net::lookup_host("localhost:7"));
  ASSERT_TRUE(local) << local.error().message();
  ASSERT_FALSE(local->empty());
  for (const auto& a : *local) {
    EXPECT_EQ(a.port(), 7);
    EXPECT_TRUE(a.is_loopback()) << a.to_string();
  }
}

TEST(LookupHostTest, ReportsMalformedAndUnknownNames) {
  auto rt = weft::runtime::builder().workers(1).build();
  EXPECT_EQ(rt.block_on(weft::net::lookup_host("no-port")).error(),
            weft::net::net_errc::malformed_address);
  auto r = rt.block_on(weft::net::lookup_host("does-not-exist.invalid:80"));
  ASSERT_FALSE(r);
}

} // namespace
