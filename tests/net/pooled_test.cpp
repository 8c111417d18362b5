// tests/net/pooled_test.cpp: pooled receive: each buffer goes back to its pool exactly once
// (moves, explicit resets, drops on another worker), exhaustion falls back to heap buffers
// without losing bytes, and a select(recv_pooled, timer) loop loses nothing.
#include <gtest/gtest.h>

#include <weft/net/pooled_buffer.hpp>

#include <weft/net.hpp>

#include <array>
#include <cstring>
#include <vector>

#include <sys/socket.h>

#include "net/net_test_support.hpp"
#include "support/runtime_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::net::pooled_buffer;
using weft::net::unix_stream;

/// The first byte, or 0 for an empty buffer.
int first_byte(const pooled_buffer& p) {
  const auto d = p.data();
  if (d.empty() || d.data() == nullptr) return -1;
  unsigned char c = 0;
  std::memcpy(&c, d.data(), 1);
  return c;
}

TEST(PooledTest, BuffersReturnExactlyOnce) {
  auto rt = weft::runtime::builder().workers(2).build();
  const auto before = weft::net::pooled_stats();
  auto [a, b] = unix_stream::pair().value();
  const int rounds = 300;
  const bool ok = rt.block_on([](unix_stream& w, unix_stream& r, int count) -> weft::task<bool> {
    std::vector<pooled_buffer> kept;
    for (int i = 0; i < count; ++i) {
      const unsigned char v = static_cast<unsigned char>(i);
      if (::send(w.native_handle(), &v, 1, MSG_NOSIGNAL) != 1) co_return false;
      auto p = co_await r.recv_pooled();
      if (!p || p->size() != 1 || first_byte(*p) != v) co_return false;
      switch (i % 4) {
      case 0:
        kept.push_back(std::move(*p));  // returned when the vector goes
        break;
      case 1: {
        pooled_buffer moved = std::move(*p);
        moved.reset();
        moved.reset();  // idempotent
        break;
      }
      case 2: {
        // Dropped on whichever worker runs the spawned task.
        auto h = weft::spawn([](pooled_buffer pb) -> weft::task<std::size_t> { co_return pb.size(); }(std::move(*p)));
        if (co_await h != 1) co_return false;
        break;
      }
      default: {
        pooled_buffer x;
        x = std::move(*p);  // move-assign over an empty one, then the scope drops it
        break;
      }
      }
    }
    co_return true;
  }(a, b, rounds));
  EXPECT_TRUE(ok);
  const auto after = weft::net::pooled_stats();
  EXPECT_EQ(after.taken - before.taken, static_cast<std::uint64_t>(rounds));
  EXPECT_EQ(after.returned - before.returned, after.taken - before.taken);
}

TEST(PooledTest, EofIsAnEmptyBufferAndTakesNone) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto [a, b] = unix_stream::pair().value();
  a.close();
  const auto before = weft::net::pooled_stats();
  auto p = rt.block_on(b.recv_pooled());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->empty());
  const auto after = weft::net::pooled_stats();
  EXPECT_EQ(after.taken - before.taken, after.returned - before.returned);
}

TEST(PooledTest, ExhaustionFallsBackToHeapBuffersAndLosesNoBytes) {
  auto rt = weft::runtime::builder().current_thread().build();
  auto [a, b] = unix_stream::pair().value();
  const int n = static_cast<int>(weft::net::detail::buffer_pool::max_out) + 50;
  const auto before = weft::net::pooled_stats();
  const bool ok = rt.block_on([](unix_stream& w, unix_stream& r, int count) -> weft::task<bool> {
    std::vector<pooled_buffer> held;  // every buffer stays out: the pool runs dry
    held.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      const unsigned char v = static_cast<unsigned char>(i % 251);
      if (::send(w.native_handle(), &v, 1, MSG_NOSIGNAL) != 1) co_return false;
      auto p = co_await r.recv_pooled();
      if (!p || p->size() != 1) co_return false;
      held.push_back(std::move(*p));
    }
    for (int i = 0; i < count; ++i) {
      if (first_byte(held[static_cast<std::size_t>(i)]) != i % 251) co_return false;
    }
    co_return true;
  }(a, b, n));
  EXPECT_TRUE(ok);
  const auto after = weft::net::pooled_stats();
  EXPECT_GE(after.fallbacks - before.fallbacks, 50u);
  EXPECT_EQ(after.taken - before.taken, after.returned - before.returned);
}

TEST(PooledTest, SelectOfPooledReceiveAndTimerLosesNoBytes) {
  auto rt = weft::runtime::builder().workers(2).build();
  auto [a, b] = unix_stream::pair().value();
  const std::size_t n = 200 * 1000;
  auto w = rt.spawn([](unix_stream s, std::size_t total) -> weft::task<void> {
    std::vector<std::byte> buf(total);
    weft::test::fill_pattern(buf, 5, 0);
    for (std::size_t off = 0; off < total; off += 999) {
      if (!co_await s.write_all(std::span(buf).subspan(off, std::min<std::size_t>(999, total - off))))
        co_return;
      co_await weft::time::sleep(30us);
    }
  }(std::move(a), n));
  const bool ok = rt.block_on([](unix_stream& s, std::size_t total) -> weft::task<bool> {
    weft::test::fnv1a f;
    std::size_t got = 0;
    while (got < total) {
      auto v = co_await weft::select(s.recv_pooled(), weft::time::sleep(40us));
      if (v.index() == 1) continue;
      auto& p = std::get<0>(v);
      if (!p || p->empty()) co_return false;
      f.add(p->data());
      got += p->size();
    }
    co_return got == total && f.digest() == weft::test::pattern_hash(5, total);
  }(b, n));
  EXPECT_TRUE(ok);
  rt.block_on(std::move(w));
}

} // namespace
