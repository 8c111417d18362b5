// tests/net/slow_client_test.cpp: the "slow clients under a read timeout" scenario of
// RELIABILITY.md. A server on a 2-worker runtime gives every connection a per-read timeout
// (time::timeout around tcp_stream::read) and closes the connections that stay silent past
// it. Slow clients send one byte, get it back and then go silent; well-behaved clients on
// the same runtime keep echoing small messages every few milliseconds meanwhile.
// Asserted: every slow client is closed (EOF or reset) no earlier than the timeout and
// within timeout + slack; every well-behaved client finishes all its round trips byte-exact
// and is never closed by the timeout (a runtime stall longer than the timeout would close
// it); the server closed exactly the slow connections; fds return to their baseline.
// The figures (close delay, fast round-trip p99) are printed, not asserted.
#include <gtest/gtest.h>

#include <weft/net/tcp_listener.hpp>

#include <weft/net/tcp_stream.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <span>
#include <vector>

#include "net/net_test_support.hpp"
#include "support/io_support.hpp"
#include "support/runtime_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::net::socket_address;
using weft::net::tcp_listener;
using weft::net::tcp_stream;
using clock_type = std::chrono::steady_clock;

constexpr auto read_timeout = 300ms;
constexpr auto slack = 2s;  // sanitizer and chaos builds are slow; a hang is far longer
constexpr int slow_clients = 16;
constexpr int fast_clients = 4;
constexpr int fast_round_trips = 250;
constexpr auto fast_gap = 2ms;

struct server_counts {
  std::atomic<int> accepted{0};
  std::atomic<int> timed_out{0};  // connections closed by the read timeout
  std::atomic<int> ended{0};      // connections that ended by EOF or an error
};

/// One connection: echo each read, close after `read_timeout` of silence.
weft::task<void> serve_conn(tcp_stream s, server_counts& c) {
  std::array<std::byte, 256> buf{};
  for (;;) {
    auto r = co_await weft::time::timeout(read_timeout, s.read(buf));
    if (!r) {
      c.timed_out.fetch_add(1);
      co_return;  // dropping the stream closes it
    }
    if (!*r || **r == 0) {
      c.ended.fetch_add(1);
      co_return;
    }
    if (!co_await s.write_all(std::span(buf).first(**r))) {
      c.ended.fetch_add(1);
      co_return;
    }
  }
}

weft::task<void> serve(tcp_listener& l, server_counts& c, int connections) {
  std::vector<weft::join_handle<void>> conns;
  for (int i = 0; i < connections; ++i) {
    auto a = co_await l.accept();
    if (!a) break;
    c.accepted.fetch_add(1);
    auto [s, peer] = std::move(*a);
    conns.push_back(weft::spawn(serve_conn(std::move(s), c)));
  }
  for (auto& h : conns) co_await h;
}

/// Sends one byte, reads it back, then waits silently: returns how long after the echo the
/// server closed the connection, or a negative duration when it did not within timeout +
/// slack (or the echo failed).
weft::task<clock_type::duration> slow_client(socket_address to) {
  auto s = (co_await tcp_stream::connect(to)).value();
  std::array<std::byte, 1> one{std::byte{'s'}};
  if (!co_await s.write_all(one)) co_return -1ns;
  if (!co_await s.read_exact(one)) co_return -1ns;
  const auto echoed = clock_type::now();
  std::array<std::byte, 16> buf{};
  auto r = co_await weft::time::timeout(read_timeout + slack, s.read(buf));
  if (!r) co_return -1ns;  // still open: the server's timeout did not fire
  // EOF (0) or a reset: either is the server closing; a byte would be a protocol error.
  if (*r && **r != 0) co_return -1ns;
  co_return clock_type::now() - echoed;
}

struct fast_result {
  int round_trips = 0;
  bool closed_early = false;
  std::vector<clock_type::duration> latencies;
};

/// Echoes fast_round_trips 64-byte messages, fast_gap apart, checking each one.
weft::task<fast_result> fast_client(socket_address to, int id) {
  fast_result out;
  auto s = (co_await tcp_stream::connect(to)).value();
  std::array<std::byte, 64> msg{};
  std::array<std::byte, 64> back{};
  for (int i = 0; i < fast_round_trips; ++i) {
    weft::test::fill_pattern(msg, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(i) * 64);
    const auto t0 = clock_type::now();
    if (!co_await s.write_all(msg) || !co_await s.read_exact(back)) {
      out.closed_early = true;
      co_return out;
    }
    out.latencies.push_back(clock_type::now() - t0);
    if (back != msg) co_return out;
    ++out.round_trips;
    co_await weft::time::sleep(fast_gap);
  }
  co_return out;
}

TEST(SlowClientTest, SilentClientsAreClosedOnTimeWhileBusyOnesKeepBeingServed) {
  weft::test::sigpipe_default sigpipe;
  auto rt = weft::runtime::builder().workers(2).build();
  (void)rt.block_on(weft::io::nop());  // the block_on thread's ring exists from here on
  auto l = tcp_listener::bind(socket_address::loopback_v4(0)).value();
  const auto addr = l.local_addr().value();
  const std::size_t fds_before = weft::test::fd_count();

  server_counts counts;
  auto server = rt.spawn(serve(l, counts, slow_clients + fast_clients));

  std::vector<weft::join_handle<clock_type::duration>> slow;
  std::vector<weft::join_handle<fast_result>> fast;
  for (int i = 0; i < fast_clients; ++i) fast.push_back(rt.spawn(fast_client(addr, i)));
  for (int i = 0; i < slow_clients; ++i) slow.push_back(rt.spawn(slow_client(addr)));

  std::vector<clock_type::duration> close_delays;
  for (auto& h : slow) close_delays.push_back(rt.block_on(std::move(h)));
  std::vector<fast_result> fast_results;
  for (auto& h : fast) fast_results.push_back(rt.block_on(std::move(h)));
  rt.block_on(std::move(server));

  for (const auto d : close_delays) {
    ASSERT_GE(d.count(), 0) << "a silent client was not closed within timeout + slack";
    EXPECT_GE(d, read_timeout - 20ms) << "closed before its read timeout";
    EXPECT_LE(d, read_timeout + slack);
  }
  std::vector<clock_type::duration> all;
  for (const auto& f : fast_results) {
    EXPECT_FALSE(f.closed_early) << "a busy client was closed";
    EXPECT_EQ(f.round_trips, fast_round_trips) << "a busy client's echo came back wrong";
    all.insert(all.end(), f.latencies.begin(), f.latencies.end());
  }
  // The busy clients close their end right after their last round trip, so their server
  // connections end by EOF; only the silent ones time out.
  EXPECT_EQ(counts.accepted.load(), slow_clients + fast_clients);
  EXPECT_EQ(counts.timed_out.load(), slow_clients);
  EXPECT_EQ(counts.ended.load(), fast_clients);
  EXPECT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == fds_before; }));

  std::sort(close_delays.begin(), close_delays.end());
  std::sort(all.begin(), all.end());
  const auto ms = [](clock_type::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  if (!close_delays.empty() && !all.empty()) {
    std::fprintf(stderr,
                 "slow clients closed %.1f-%.1f ms after going silent (timeout %lld ms); busy "
                 "round trips p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                 ms(close_delays.front()), ms(close_delays.back()),
                 static_cast<long long>(read_timeout.count()), ms(all[all.size() / 2]),
                 ms(all[all.size() * 99 / 100]), ms(all.back()));
  }
}

} // namespace
