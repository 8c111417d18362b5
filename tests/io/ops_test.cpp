// tests/io/ops_test.cpp: the basic operations through a real ring: nop round trips, pipe
// reads and writes, zero-length reads, EOF, errors mapped to result errors, close through the
// ring, read_exact / write_all, and an await outside a runtime being refused.
#include <gtest/gtest.h>

#include <weft/io/ops.hpp>

#include <weft/io/op_future.hpp>

#include <weft/io/op_state.hpp>

#include <weft/io/uring_driver.hpp>

#include <weft/io.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <numeric>
#include <span>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "support/counting_waker.hpp"
#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::test_pipe;

std::span<const std::byte> as_bytes(const char* s) {
  return std::as_bytes(std::span(s, std::strlen(s)));
}

std::string as_string(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(IoOpsTest, NopRoundTripsOnACurrentThreadRuntime) {
  auto rt = weft::runtime::builder().current_thread().build();
  const int ok = rt.block_on([]() -> weft::task<int> {
    int n = 0;
    for (int i = 0; i < 100; ++i) {
      auto r = co_await weft::io::nop();
      if (r) ++n;
    }
    co_return n;
  }());
  EXPECT_EQ(ok, 100);
}

TEST(IoOpsTest, NopRoundTripsOnWorkersAndOnTheBlockOnThread) {
  auto rt = weft::runtime::builder().workers(2).build();
  // On the block_on thread (its own driver) ...
  EXPECT_TRUE(rt.block_on(weft::io::nop()));
  // ... and inside spawned tasks on the workers.
  const int ok = rt.block_on([]() -> weft::task<int> {
    std::vector<weft::join_handle<bool>> hs;
    for (int i = 0; i < 64; ++i) {
      hs.push_back(weft::spawn([]() -> weft::task<bool> {
        for (int j = 0; j < 10; ++j) {
          if (!co_await weft::io::nop()) co_return false;
        }
        co_return true;
      }()));
    }
    int n = 0;
    for (auto& h : hs) n += (co_await h) ? 1 : 0;
    co_return n;
  }());
  EXPECT_EQ(ok, 64);
}

TEST(IoOpsTest, PipeWriteThenReadMovesTheBytes) {
  auto rt = weft::runtime::builder().workers(2).build();
  test_pipe p;
  const auto [wrote, got] = rt.block_on([&]() -> weft::task<std::pair<std::size_t, std::string>> {
    auto w = co_await weft::io::write(p.w(), as_bytes("hello, weft"));
    std::array<std::byte, 64> buf{};
    auto r = co_await weft::io::read(p.r(), buf);
    co_return std::pair{w.value(), as_string(std::span(buf).first(r.value()))};
  }());
  EXPECT_EQ(wrote, 11u);
  EXPECT_EQ(got, "hello, weft");
}

TEST(IoOpsTest, ReadWaitsForAWriterInAnotherTask) {
  auto rt = weft::runtime::builder().workers(2).build();
  test_pipe p;
  const std::string got = rt.block_on([&]() -> weft::task<std::string> {
    // Captureless with parameters: the closure dies with this statement, the frame doesn't.
    auto reader = weft::spawn([](int fd) -> weft::task<std::string> {
      std::array<std::byte, 16> buf{};
      auto r = co_await weft::io::read(fd, buf);
      co_return as_string(std::span(buf).first(r.value()));
    }(p.r()));
    co_await weft::time::sleep(20ms);  // the read is pending in the kernel by now
    (void)co_await weft::io::write(p.w(), as_bytes("late"));
    co_return co_await reader;
  }());
  EXPECT_EQ(got, "late");
}

TEST(IoOpsTest, ZeroLengthReadReturnsZeroWithoutConsumingData) {
  auto rt = weft::runtime::builder().current_thread().build();
  test_pipe p;
  ASSERT_EQ(::write(p.w(), "x", 1), 1);
  const auto n = rt.block_on(weft::io::read(p.r(), std::span<std::byte>()));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  // Documented: 0 from an empty buffer is not EOF, and the byte is still there.
  EXPECT_EQ(weft::test::drain(p.r()), 1u);
}

TEST(IoOpsTest, ReadOfAClosedWriteEndReturnsEof) {
  auto rt = weft::runtime::builder().workers(1).build();
  test_pipe p;
  ASSERT_EQ(::write(p.w(), "ab", 2), 2);
  p.close_write();
  const auto [first, second] = rt.block_on([&]() -> weft::task<std::pair<std::size_t, std::size_t>> {
    std::array<std::byte, 8> buf{};
    auto a = co_await weft::io::read(p.r(), buf);
    auto b = co_await weft::io::read(p.r(), buf);
    co_return std::pair{a.value(), b.value()};
  }());
  EXPECT_EQ(first, 2u);
  EXPECT_EQ(second, 0u);
}

TEST(IoOpsTest, PendingReadSeesEofWhenTheWriterCloses) {
  auto rt = weft::runtime::builder().workers(2).build();
  test_pipe p;
  const std::size_t n = rt.block_on([&]() -> weft::task<std::size_t> {
    auto reader = weft::spawn([](int fd) -> weft::task<std::size_t> {
      std::array<std::byte, 8> buf{};
      co_return (co_await weft::io::read(fd, buf)).value();
    }(p.r()));
    co_await weft::time::sleep(20ms);
    p.close_write();
    co_return co_await reader;
  }());
  EXPECT_EQ(n, 0u);
}

TEST(IoOpsTest, ErrorsBecomeResultErrors) {
  auto rt = weft::runtime::builder().current_thread().build();
  test_pipe p;
  rt.block_on([&]() -> weft::task<void> {
    std::array<std::byte, 8> buf{};
    // A bad fd.
    auto r = co_await weft::io::read(-1, buf);
    EXPECT_FALSE(r);
    EXPECT_EQ(r.error(), weft::make_error(EBADF));
    EXPECT_THROW((void)r.value(), std::system_error);
    // A write to the read end of a pipe.
    auto w = co_await weft::io::write(p.r(), std::span<const std::byte>(buf));
    EXPECT_FALSE(w);
    EXPECT_EQ(w.error(), weft::make_error(EBADF));
    // A write into a pipe whose reader is gone: EPIPE (SIGPIPE is ignored for the test).
    auto old = ::signal(SIGPIPE, SIG_IGN);
    test_pipe q;
    q.close_read();
    auto e = co_await weft::io::write(q.w(), std::span<const std::byte>(buf));
    ::signal(SIGPIPE, old);
    EXPECT_EQ(e.error(), weft::make_error(EPIPE));
    // Closing an fd that is not open.
    auto c = co_await weft::io::close(1'000'000);
    EXPECT_EQ(c.error(), weft::make_error(EBADF));
  }());
}

TEST(IoOpsTest, CloseThroughTheRingClosesTheFd) {
  auto rt = weft::runtime::builder().current_thread().build();
  test_pipe p;
  const int fd = p.r();
  ASSERT_GE(::fcntl(fd, F_GETFD), 0);
  auto r = rt.block_on(weft::io::close(fd));
  p.release_read();
  EXPECT_TRUE(r) << r.error().message();
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(IoOpsTest, KernelTimeoutWaitsAtLeastItsDuration) {
  auto rt = weft::runtime::builder().workers(1).build();
  const auto start = std::chrono::steady_clock::now();
  auto r = rt.block_on(weft::io::kernel_timeout(20ms));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r);
  EXPECT_GE(took, 20ms);
  EXPECT_LT(took, 5s);
}

TEST(IoOpsTest, ReadExactAndWriteAllMoveALargeBufferIntact) {
  auto rt = weft::runtime::builder().workers(2).build();
  test_pipe p;
  std::vector<std::byte> src(1 << 20);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = std::byte(static_cast<unsigned char>(i * 131 + 7));
  std::vector<std::byte> dst(src.size());
  rt.block_on([&]() -> weft::task<void> {
    auto writer = weft::spawn(weft::io::write_all(p.w(), src));
    auto r = co_await weft::io::read_exact(p.r(), dst);
    EXPECT_TRUE(r) << r.error().message();
    auto w = co_await writer;
    EXPECT_TRUE(w) << w.error().message();
  }());
  EXPECT_TRUE(src == dst);
}

TEST(IoOpsTest, ReadExactReportsUnexpectedEof) {
  auto rt = weft::runtime::builder().current_thread().build();
  test_pipe p;
  ASSERT_EQ(::write(p.w(), "abc", 3), 3);
  p.close_write();
  std::array<std::byte, 8> buf{};
  auto r = rt.block_on(weft::io::read_exact(p.r(), buf));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), weft::io::unexpected_eof());
}

TEST(IoOpsTest, ReadWithAnOffsetReadsAFileAtThatOffset) {
  auto rt = weft::runtime::builder().current_thread().build();
  char path[] = "/tmp/weft-io-ops-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  std::array<std::byte, 4> buf{};
  auto r = rt.block_on(weft::io::read(fd, buf, 3));
  ASSERT_TRUE(r);
  EXPECT_EQ(as_string(std::span(buf).first(*r)), "3456");
  // Past the end: 0.
  auto e = rt.block_on(weft::io::read(fd, buf, 100));
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, 0u);
  ::close(fd);
}

TEST(IoOpsDeathTest, AwaitingAnOpOutsideARuntimeIsRefused) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto op = weft::io::nop();
        weft::test::counting_waker cw;
        const weft::waker w = cw.make_waker();
        weft::context cx(w);
        (void)op.poll(cx);
      },
      "runtime thread");
}

} // namespace
