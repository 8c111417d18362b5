// tests/io/block_on_driver_test.cpp: rt.block_on on a multi-thread runtime lends the calling
// thread a driver (an io_uring) that it keeps between calls, instead of setting one up and
// tearing it down per call; a nested block_on on the same thread gets a driver of its own;
// drivers lent to threads that exited are reclaimed with the runtime, fds back to baseline.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "support/io_support.hpp"
#include "weft/weft.hpp"

namespace {


// The driver's own fd on either backend: the io_uring's, or the epoll instance's.
int driver_fd() {
  if (const auto* d = weft::io::uring_driver::current()) return d->ring_fd();
  if (const auto* d = weft::io::epoll_driver::current()) return d->epoll_fd();
  return -1;
}

auto ring_fd_future() {
  return weft::poll_fn([](weft::context&) -> weft::poll<int> { return weft::ready(driver_fd()); });
}

bool fd_is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(BlockOnDriverTest, AThreadKeepsItsRingBetweenBlockOnCalls) {
  auto rt = weft::runtime::builder().workers(1).build();
  const int first = rt.block_on(ring_fd_future());
  ASSERT_TRUE(fd_is_open(first)) << "the ring was closed when block_on returned";
  EXPECT_EQ(weft::test::fd_target(first), weft::io::resolve_backend(weft::io_backend::automatic) == weft::io_backend::epoll
                                               ? "anon_inode:[eventpoll]"
                                               : "anon_inode:[io_uring]");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rt.block_on(ring_fd_future()), first);
}

TEST(BlockOnDriverTest, ANestedBlockOnGetsADriverOfItsOwn) {
  auto rt = weft::runtime::builder().workers(1).build();
  const auto fds = rt.block_on(weft::poll_fn([&](weft::context&) -> weft::poll<std::pair<int, int>> {
    const int outer = driver_fd();
    const int inner = rt.block_on(ring_fd_future());
    return weft::ready(std::pair{outer, inner});
  }));
  EXPECT_NE(fds.first, fds.second);
}

TEST(BlockOnDriverTest, DriversOfThreadsThatExitedGoWithTheRuntime) {
  const std::size_t before = weft::test::fd_count();
  {
    auto rt = weft::runtime::builder().workers(1).build();
    for (int i = 0; i < 40; ++i) {
      std::thread t([&] { (void)rt.block_on(ring_fd_future()); });
      t.join();
    }
  }
  EXPECT_EQ(weft::test::fd_count(), before);
}

} // namespace
