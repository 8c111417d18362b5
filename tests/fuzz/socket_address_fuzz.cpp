// tests/fuzz/socket_address_fuzz.cpp: weft::net::socket_address's text and kernel forms with
// arbitrary bytes: parse (`a.b.c.d:port`, `[v6]:port`, `[v6%scope]:port`), split_host_port,
// parse_ip and from_sockaddr.
// Oracles: no crash / UB / leak (ASan, UBSan); every call is deterministic; a parse that
// succeeds was given text without NUL bytes, of the right family for its brackets, whose
// port is the digits after the last ':'; parse(to_string()) and parse_ip(ip_string()) give
// the same address back; from_sockaddr accepts exactly AF_INET / AF_INET6 with a long
// enough length, and what it accepts round-trips through data()/size().
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz/fuzz_input.hpp"
#include "weft/net/socket_address.hpp"

namespace {

using weft::net::socket_address;

void check_parse(std::string_view s) {
  const auto a = socket_address::parse(s);
  const auto again = socket_address::parse(s);
  FUZZ_CHECK(static_cast<bool>(a) == static_cast<bool>(again));
  std::string_view host;
  std::uint16_t port = 0;
  const bool split = socket_address::split_host_port(s, host, port);
  if (!a) {
    FUZZ_CHECK(a.error() == weft::net::make_error_code(weft::net::net_errc::malformed_address));
    return;
  }
  FUZZ_CHECK(*a == *again);
  FUZZ_CHECK(split);  // a parsed address has a host and a port
  FUZZ_CHECK(s.find('\0') == std::string_view::npos);
  FUZZ_CHECK(a->port() == port);
  FUZZ_CHECK(a->is_ipv4() != a->is_ipv6());
  FUZZ_CHECK(a->is_ipv6() == (s.front() == '['));
  const std::string text = a->to_string();
  const auto back = socket_address::parse(text);
  FUZZ_CHECK(back && *back == *a);
  FUZZ_CHECK(back->to_string() == text);  // to_string is canonical: a fixed point
  const auto ip = socket_address::parse_ip(a->ip_string(), a->port());
  FUZZ_CHECK(ip && *ip == *a);
  FUZZ_CHECK(a->size() == (a->is_ipv4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
}

void check_from_sockaddr(weft::fuzz::input& in) {
  alignas(sockaddr_storage) unsigned char raw[sizeof(sockaddr_storage)] = {};
  // The family is biased towards the two accepted ones; the other bytes are the input's.
  const std::uint8_t pick = in.byte();
  const auto len = static_cast<socklen_t>(in.below(sizeof raw + 1));
  const std::size_t n = std::min<std::size_t>(in.left(), sizeof raw);
  for (std::size_t i = 0; i < n; ++i) raw[i] = in.byte();
  sa_family_t fam = 0;
  std::memcpy(&fam, raw, sizeof fam);
  switch (pick % 4) {
  case 0: fam = AF_INET; break;
  case 1: fam = AF_INET6; break;
  case 2: fam = AF_UNIX; break;
  default: break;
  }
  std::memcpy(raw, &fam, sizeof fam);
  const auto* sa = reinterpret_cast<const sockaddr*>(raw);
  const auto a = socket_address::from_sockaddr(sa, len);
  const bool long_enough = (fam == AF_INET && len >= sizeof(sockaddr_in)) ||
                           (fam == AF_INET6 && len >= sizeof(sockaddr_in6));
  FUZZ_CHECK(static_cast<bool>(a) == long_enough);
  if (!a) return;
  FUZZ_CHECK(a->family() == fam);
  const auto back = socket_address::from_sockaddr(a->data(), a->size());
  FUZZ_CHECK(back && *back == *a);
  // The text form keeps the address: port, address and the v6 scope id (any uint32).
  const auto parsed = socket_address::parse(a->to_string());
  FUZZ_CHECK(parsed && *parsed == *a);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the form; the rest is the text (or the kernel bytes).
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
  case 0:
  case 1: check_parse(text); break;
  case 2: {
    // A family first, so the sockaddr path sees the accepted families often.
    weft::fuzz::input in(data + 1, size - 1);
    check_from_sockaddr(in);
    break;
  }
  default: {
    // parse_ip on the text alone, with a port from the first byte.
    const auto a = socket_address::parse_ip(text, data[0]);
    if (a) {
      FUZZ_CHECK(text.find('\0') == std::string_view::npos);
      FUZZ_CHECK(a->port() == data[0]);
      const auto b = socket_address::parse(a->to_string());
      FUZZ_CHECK(b && *b == *a);
    }
    break;
  }
  }
  return 0;
}
