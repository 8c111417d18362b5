// tests/net/overload_test.cpp: the "overload" scenario of RELIABILITY.md: many connections
// writing flat out to a server that reads slowly (4 KiB per connection every 2 ms) keep
// memory bounded, because a write completes only when the kernel took the bytes and weft
// queues nothing of its own. After the flood the server drains fast and every stream must
// arrive byte-exact.
// Asserted: the process's resident memory grows by less than 128 MiB while the clients try
// to push far more than that; per connection, bytes written but not yet read never exceed
// what the kernel can hold (tcp_wmem max + 2 x tcp_rmem max + one write); every stream
// arrives complete and byte-exact (pattern hash); fds return to their baseline.
// The figures (bytes moved, peak RSS growth, largest in-flight) are printed.
#include <gtest/gtest.h>

#include <weft/net/tcp_listener.hpp>

#include <weft/net/tcp_stream.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "net/net_test_support.hpp"
#include "support/io_support.hpp"
#include "support/runtime_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::net::socket_address;
using weft::net::tcp_listener;
using weft::net::tcp_stream;

constexpr std::size_t write_chunk = 256 * 1024;
constexpr std::size_t read_chunk = 4096;

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

/// The third (max) field of /proc/sys/net/ipv4/tcp_{w,r}mem.
std::size_t tcp_mem_max(const char* path) {
  std::ifstream f(path);
  std::size_t lo = 0, def = 0, hi = 0;
  f >> lo >> def >> hi;
  return hi != 0 ? hi : 6u << 20;
}

struct conn_stats {
  std::atomic<std::uint64_t> sent{0};      // bytes whose write_all completed
  std::atomic<std::uint64_t> received{0};  // bytes the server read
  std::uint64_t hash = 0;                  // the server's hash of what it read
  bool ok = false;                         // the server read to EOF without an error
};

struct shared_state {
  std::atomic<bool> stop{false};  // clients stop writing; the server reads fast from then on
};

weft::task<void> slow_reader(tcp_stream s, conn_stats& st, shared_state& sh) {
  std::array<std::byte, read_chunk> buf{};
  weft::test::fnv1a h;
  for (;;) {
    auto n = co_await s.read(buf);
    if (!n) co_return;
    if (*n == 0) break;
    h.add(std::span(buf).first(*n));
    st.received.fetch_add(*n);
    if (!sh.stop.load()) co_await weft::time::sleep(2ms);
  }
  st.hash = h.digest();
  st.ok = true;
}

weft::task<void> serve(tcp_listener& l, std::vector<std::unique_ptr<conn_stats>>& stats,
                       shared_state& sh) {
  std::vector<weft::join_handle<void>> conns;
  for (std::size_t i = 0; i < stats.size(); ++i) {
    auto a = co_await l.accept();
    if (!a) break;
    auto [s, peer] = std::move(*a);
    // The client sends its index first, so each stream is checked against its own pattern.
    std::array<std::byte, 4> id{};
    if (!co_await s.read_exact(id)) break;
    std::uint32_t k = 0;
    std::memcpy(&k, id.data(), sizeof k);
    if (k >= stats.size()) break;
    conns.push_back(weft::spawn(slow_reader(std::move(s), *stats[k], sh)));
  }
  for (auto& h : conns) co_await h;
}

weft::task<bool> flood(socket_address to, std::uint32_t k, conn_stats& st, shared_state& sh) {
  auto s = (co_await tcp_stream::connect(to)).value();
  std::array<std::byte, 4> id{};
  std::memcpy(id.data(), &k, sizeof k);
  if (!co_await s.write_all(id)) co_return false;
  std::vector<std::byte> chunk(write_chunk);
  std::uint64_t off = 0;
  while (!sh.stop.load()) {
    weft::test::fill_pattern(chunk, k, off);
    if (!co_await s.write_all(chunk)) co_return false;
    off += chunk.size();
    st.sent.store(off);
  }
  co_return true;  // dropping the stream closes it: the server reads to EOF
}

TEST(OverloadTest, FastSendersToASlowReaderKeepMemoryBoundedAndLoseNothing) {
  weft::test::sigpipe_default sigpipe;
  const auto conns = static_cast<std::size_t>(weft::test::scaled(64, 32, 16));
  auto rt = weft::runtime::builder().workers(2).build();
  (void)rt.block_on(weft::io::nop());  // the block_on thread's ring exists from here on
  auto l = tcp_listener::bind(socket_address::loopback_v4(0)).value();
  const auto addr = l.local_addr().value();
  const std::size_t fds_before = weft::test::fd_count();
  const std::size_t kernel_bound = tcp_mem_max("/proc/sys/net/ipv4/tcp_wmem") +
                                   2 * tcp_mem_max("/proc/sys/net/ipv4/tcp_rmem") + write_chunk;

  std::vector<std::unique_ptr<conn_stats>> stats;
  for (std::size_t i = 0; i < conns; ++i) stats.push_back(std::make_unique<conn_stats>());
  shared_state sh;
  const std::size_t rss_before = rss_bytes();

  auto server = rt.spawn(serve(l, stats, sh));
  std::vector<weft::join_handle<bool>> clients;
  for (std::size_t i = 0; i < conns; ++i)
    clients.push_back(rt.spawn(flood(addr, static_cast<std::uint32_t>(i), *stats[i], sh)));

  // The flood: 1.5 s of sampling RSS and the in-flight bytes of each connection.
  std::size_t peak_rss = rss_before;
  std::uint64_t peak_in_flight = 0;
  const auto end = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
    peak_rss = std::max(peak_rss, rss_bytes());
    for (const auto& st : stats) {
      const std::uint64_t r = st->received.load();  // read first: sent only grows after it
      const std::uint64_t s = st->sent.load();
      if (s > r) peak_in_flight = std::max(peak_in_flight, s - r);
    }
  }
  std::uint64_t sent_during_flood = 0;
  for (const auto& st : stats) sent_during_flood += st->sent.load();
  sh.stop.store(true);

  for (auto& c : clients) EXPECT_TRUE(rt.block_on(std::move(c)));
  rt.block_on(std::move(server));

  const std::size_t growth = peak_rss > rss_before ? peak_rss - rss_before : 0;
  EXPECT_LT(growth, std::size_t{128} << 20) << "resident memory grew without bound";
  EXPECT_LE(peak_in_flight, kernel_bound)
      << "more bytes were written than the kernel can hold: something buffers them";
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < conns; ++i) {
    const auto& st = *stats[i];
    ASSERT_TRUE(st.ok) << "connection " << i << " did not read to EOF";
    EXPECT_EQ(st.received.load(), st.sent.load()) << "connection " << i;
    EXPECT_EQ(st.hash, weft::test::pattern_hash(i, st.received.load())) << "connection " << i;
    total += st.received.load();
  }
  // The flood was real: the writers were held back by the slow reads, not idle.
  EXPECT_GT(sent_during_flood, std::uint64_t{conns} * write_chunk);
  EXPECT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == fds_before; }));
  std::fprintf(stderr,
               "overload: %zu connections moved %.1f MiB (%.1f MiB during the flood); peak RSS "
               "growth %.1f MiB; largest in-flight %.2f MiB (kernel bound %.1f MiB)\n",
               conns, static_cast<double>(total) / (1 << 20),
               static_cast<double>(sent_during_flood) / (1 << 20),
               static_cast<double>(growth) / (1 << 20),
               static_cast<double>(peak_in_flight) / (1 << 20),
               static_cast<double>(kernel_bound) / (1 << 20));
}

} // namespace
