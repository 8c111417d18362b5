// weft/net/lookup_host.hpp: lookup_host("name:port"), name resolution through getaddrinfo on
// the runtime's blocking pool (getaddrinfo blocks; it never runs on a worker).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <netdb.h>
#include <sys/socket.h>

#include "weft/core/result.hpp"
#include "weft/net/socket_address.hpp"
#include "weft/runtime/spawn.hpp"
#include "weft/task/task.hpp"

namespace weft::net {

namespace detail {
/// getaddrinfo for `host` (a name or literal) with `port`; blocking.
inline result<std::vector<socket_address>> resolve_blocking(const std::string& host,
                                                            std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    if (rc == EAI_SYSTEM) return make_error(errno != 0 ? errno : EIO);
    return make_error_code(net_errc::host_not_found);
  }
  std::vector<socket_address> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    auto a = socket_address::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
    if (!a) continue;
    a->set_port(port);
    bool dup = false;
    for (const auto& b : out) dup = dup || b == *a;
    if (!dup) out.push_back(*a);
  }
  ::freeaddrinfo(list);
  if (out.empty()) return make_error_code(net_errc::host_not_found);
  return out;
}
} // namespace detail

/// Resolves `host:port` (or `[v6]:port`) to its addresses, in getaddrinfo's order.
/// A numeric address is returned at once without a lookup.
///
/// Preconditions: awaited inside a weft runtime (the lookup runs on its blocking pool).
/// Cancellation: dropping it abandons the lookup; the blocking call finishes on the pool
/// and its result is discarded (nothing leaks).
/// Errors: net_errc::malformed_address when `s` has no valid port; net_errc::host_not_found
/// when the name does not resolve; an errno for a system failure.
inline task<result<std::vector<socket_address>>> lookup_host(std::string s) {
  std::string_view host;
  std::uint16_t port = 0;
  if (!socket_address::split_host_port(s, host, port))
    co_return make_error_code(net_errc::malformed_address);
  if (auto lit = socket_address::parse_ip(host, port))
    co_return std::vector<socket_address>{*lit};
  // Named locals, not temporaries inside the co_await: g++ 12 miscompiles a lambda
  // temporary with non-trivial captures in a co_await operand (bitwise-copied captures).
  auto job = [h = std::string(host), port] { return detail::resolve_blocking(h, port); };
  auto handle = spawn_blocking(std::move(job));
  co_return co_await std::move(handle);
}

} // namespace weft::net
