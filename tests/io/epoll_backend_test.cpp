// tests/io/epoll_backend_test.cpp: the epoll backend asked for explicitly (so it runs in every
// CI stage, whatever WEFT_IO_BACKEND says): the driver's park/unpark, readiness waits and
// their cancellation (same thread, another worker, a foreign thread, runtime shutdown), tasks
// migrating while they wait, the blocking-pool form's cancellation guarantee (a dropped job
// that borrows memory is waited for; an orphaned fd result is closed), pollable and
// unpollable fds (pipes, regular files, a pty without NOWAIT support), and backend selection.
// The whole io/time/runtime suites also run on epoll in the CI stage `epoll`.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using weft::test::heap_leaf;
using weft::test::poll_once_then_drop;
using weft::test::test_pipe;

using read_future = decltype(weft::io::read(0, std::span<std::byte>()));

weft::runtime epoll_runtime(std::size_t workers = 2) {
  return weft::runtime::builder().workers(workers).io_backend(weft::io_backend::epoll).build();
}

/// The epoll driver of the calling thread's waits count (-1: not on an epoll driver).
long waits_here() {
  const auto* d = weft::io::epoll_driver::current();
  return d != nullptr ? static_cast<long>(d->waits()) : -1;
}

// ---- the driver alone --------------------------------------------------------------------

TEST(EpollDriverTest, ParkedEpollDriverWakesOnUnparkFromAForeignThread) {
  weft::io::epoll_driver d(weft::driver_config{});
  for (int i = 0; i < 20; ++i) {
    std::atomic<bool> sent{false};
    std::thread t([&] {
      std::this_thread::sleep_for(5ms);
      sent.store(true);
      d.unpark();
    });
    const auto start = clock_type::now();
    d.park(std::nullopt);  // no timers, no waits: only the unpark can end this
    const auto took = clock_type::now() - start;
    t.join();
    EXPECT_TRUE(sent.load());
    EXPECT_LT(took, 2s);
  }
  d.unpark();  // sticky: the next park returns at once
  const auto start = clock_type::now();
  d.park(std::nullopt);
  EXPECT_LT(clock_type::now() - start, 2s);
}

TEST(EpollDriverTest, ParkReturnsAfterItsTimeout) {
  weft::io::epoll_driver d(weft::driver_config{});
  const auto start = clock_type::now();
  d.park(20ms);
  EXPECT_GE(clock_type::now() - start, 19ms);
}

// ---- readiness waits ---------------------------------------------------------------------

TEST(EpollBackendTest, TheBuilderChoiceIsTheDriversBackend) {
  auto rt = epoll_runtime(1);
  EXPECT_EQ(rt.block_on([]() -> weft::task<weft::io_backend> {
              co_return weft::io::current_backend();
            }()),
            weft::io_backend::epoll);
  auto on_worker = rt.block_on(rt.spawn([]() -> weft::task<weft::io_backend> {
    co_return weft::io::current_backend();
  }()));
  EXPECT_EQ(on_worker, weft::io_backend::epoll);
}

TEST(EpollBackendTest, AReadOnAnEmptyPipeWaitsAndAWriteFromAnotherTaskEndsIt) {
  auto rt = epoll_runtime();
  test_pipe p;
  auto got = rt.block_on([](int r, int w) -> weft::task<std::string> {
    std::array<std::byte, 16> buf{};
    auto reader = weft::spawn([](int fd, std::span<std::byte> b) -> weft::task<std::size_t> {
      auto n = co_await weft::io::read(fd, b);
      co_return n.value();
    }(r, buf));
    co_await weft::time::sleep(5ms);
    const char msg[] = "hello";
    auto wn = co_await weft::io::write(w, std::as_bytes(std::span(msg, 5)));
    EXPECT_EQ(wn.value(), 5u);
    const std::size_t n = co_await std::move(reader);
    co_return std::string(reinterpret_cast<const char*>(buf.data()), n);
  }(p.r(), p.w()));
  EXPECT_EQ(got, "hello");
}

TEST(EpollBackendTest, ADroppedPendingReadLeavesNoWaitAndLosesNoByte) {
  auto rt = epoll_runtime(1);
  test_pipe p;
  std::array<std::byte, 8> buf{};
  const auto left = rt.block_on([](int fd, std::span<std::byte> b) -> weft::task<long> {
    for (int i = 0; i < 50; ++i) {
      const bool pending = co_await poll_once_then_drop(weft::io::read(fd, b));
      EXPECT_TRUE(pending);
    }
    co_return waits_here();
  }(p.r(), buf));
  EXPECT_EQ(left, 0);
  ASSERT_EQ(::write(p.w(), "z", 1), 1);
  EXPECT_EQ(rt.block_on(weft::io::read(p.r(), buf)).value(), 1u);
  EXPECT_EQ(buf[0], std::byte{'z'});
}

TEST(EpollBackendTest, AReaderAndAWriterWaitOnTheSameFdAtOnce) {
  // A socketpair end with a full send buffer: one task waits to read it, another to write it;
  // both interests share the fd's one registration.
  auto rt = epoll_runtime(1);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  weft::test::set_nonblocking(sv[0], true);
  std::size_t filled = 0;
  const std::byte chunk[4096] = {};
  while (::write(sv[0], chunk, sizeof chunk) > 0) filled += sizeof chunk;
  auto ok = rt.block_on([](int a, int b, std::size_t fill) -> weft::task<bool> {
    std::array<std::byte, 1> in{};
    auto reader = weft::spawn([](int fd, std::span<std::byte> buf) -> weft::task<std::size_t> {
      co_return (co_await weft::io::read(fd, buf)).value();
    }(a, in));
    const std::byte one[1] = {std::byte{7}};
    auto writer = weft::spawn([](int fd, std::span<const std::byte> buf) -> weft::task<std::size_t> {
      co_return (co_await weft::io::write(fd, buf)).value();
    }(a, one));
    co_await weft::time::sleep(5ms);
    // Unblock both: drain the peer (the writer may go), then send a byte (the reader may go).
    std::vector<std::byte> sink(fill + 4096);
    std::size_t drained = 0;
    while (drained < fill) {
      auto n = co_await weft::io::read(b, std::span(sink).subspan(drained));
      if (!n || *n == 0) co_return false;
      drained += *n;
    }
    const std::byte x[1] = {std::byte{9}};
    (void)co_await weft::io::write(b, x);
    const bool wrote = (co_await std::move(writer)) == 1u;
    const bool read = (co_await std::move(reader)) == 1u && in[0] == std::byte{9};
    co_return wrote && read;
  }(sv[0], sv[1], filled));
  EXPECT_TRUE(ok);
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(EpollBackendTest, AReadWaitingOnOneWorkerIsDroppedFromTheOtherAndFromAForeignThread) {
  auto rt = epoll_runtime(2);
  weft::test::watchdog dog(30s, "epoll cross-thread drop");
  test_pipe p;
  std::array<std::byte, 8> buf{};
  for (int i = 0; i < 20; ++i) {
    heap_leaf<read_future> leaf(weft::io::read(p.r(), buf));
    const bool pending = rt.block_on(rt.handle().spawn_on(0, [](heap_leaf<read_future>* l) -> weft::task<bool> {
      co_return co_await l->poll_once();
    }(&leaf)));
    ASSERT_TRUE(pending);
    if (i % 2 == 0) {
      rt.block_on(rt.handle().spawn_on(1, [](heap_leaf<read_future>* l) -> weft::task<void> {
        l->reset();  // worker 1 drops worker 0's wait: a posted cancel
        co_return;
      }(&leaf)));
    } else {
      leaf.reset();  // this thread has no driver: a posted cancel too
    }
  }
  // Every wait ended on worker 0 (its mailbox is served within a turn).
  EXPECT_TRUE(weft::test::wait_until([&] {
    return rt.block_on(rt.handle().spawn_on(0, []() -> weft::task<long> { co_return waits_here(); }())) == 0;
  }));
  ASSERT_EQ(::write(p.w(), "z", 1), 1);
  EXPECT_EQ(rt.block_on(weft::io::read(p.r(), buf)).value(), 1u);
}

TEST(EpollBackendTest, ManyTasksWaitingOnPipesWhileStolenGetEveryByte) {
  const long tasks = weft::test::scaled(2'000, 600, 200);
  weft::test::watchdog dog(60s, "epoll migration");
  auto rt = epoll_runtime(2);
  std::vector<std::unique_ptr<test_pipe>> pipes;
  for (int i = 0; i < 32; ++i) pipes.push_back(std::make_unique<test_pipe>());
  std::atomic<long> ok{0};
  std::vector<weft::join_handle<void>> hs;
  for (long t = 0; t < tasks; ++t) {
    hs.push_back(rt.spawn([](int fd, std::atomic<long>* okp) -> weft::task<void> {
      std::array<std::byte, 1> b{};
      auto n = co_await weft::io::read(fd, b);
      if (n && *n == 1) okp->fetch_add(1);
    }(pipes[static_cast<std::size_t>(t % 32)]->r(), &ok)));
  }
  std::this_thread::sleep_for(10ms);
  for (long t = 0; t < tasks; ++t) {
    ASSERT_EQ(::write(pipes[static_cast<std::size_t>(t % 32)]->w(), "x", 1), 1);
  }
  for (auto& h : hs) rt.block_on(std::move(h));
  EXPECT_EQ(ok.load(), tasks);
}

TEST(EpollBackendTest, DroppingTheRuntimeWithReadsAndSleepsWaitingIsPromptAndLeaksNoFd) {
  weft::test::watchdog dog(30s, "epoll shutdown");
  const std::size_t before = weft::test::fd_count();
  {
    test_pipe p;
    auto rt = epoll_runtime(2);
    for (int i = 0; i < 200; ++i) {
      rt.spawn([](int fd) -> weft::task<void> {
        std::array<std::byte, 1> b{};
        (void)co_await weft::io::read(fd, b);
      }(p.r())).detach();
      rt.spawn([]() -> weft::task<void> { co_await weft::time::sleep(10s); }()).detach();
      rt.spawn([]() -> weft::task<void> {
        (void)co_await weft::io::kernel_timeout(10s);
      }()).detach();
    }
    std::this_thread::sleep_for(20ms);
    const auto start = clock_type::now();
    { auto gone = std::move(rt); }
    EXPECT_LT(clock_type::now() - start, 5s);
  }
  EXPECT_EQ(weft::test::fd_count(), before);
}

TEST(EpollBackendTest, KernelTimeoutIsATimerfdThatFiresAndIsClosed) {
  auto rt = epoll_runtime(1);
  (void)rt.block_on(weft::io::nop());  // the block_on thread's driver (2 fds) exists now
  const std::size_t before = weft::test::fd_count();
  const auto start = clock_type::now();
  auto r = rt.block_on(weft::io::kernel_timeout(15ms));
  EXPECT_TRUE(r.has_value());
  EXPECT_GE(clock_type::now() - start, 14ms);
  EXPECT_EQ(weft::test::fd_count(), before);
}

// ---- the blocking-pool form -------------------------------------------------------------

/// The nop SQE of the blocking-form ops below (their io_uring form is irrelevant here).
void prep_nop(io_uring_sqe* sqe, weft::io::detail::op_state&) { io_uring_prep_nop(sqe); }

TEST(EpollBlockingFormTest, ADroppedJobThatBorrowsMemoryIsWaitedForBeforeTheDropReturns) {
  auto rt = epoll_runtime(1);
  for (int i = 0; i < 5; ++i) {
    std::atomic<bool> started{false};
    std::atomic<bool> job_done{false};
    const bool done_when_dropped = rt.block_on([](std::atomic<bool>* go, std::atomic<bool>* flag) -> weft::task<bool> {
      std::array<std::byte, 64> buf{};
      auto op = weft::io::make_op(
          prep_nop, weft::io::detail::to_size, weft::io::op_traits{.borrows_memory = true},
          weft::io::blocking([b = std::span(buf), go, flag]() -> std::int32_t {
            go->store(true);
            std::this_thread::sleep_for(20ms);
            std::memset(b.data(), 0x5a, b.size());  // the buffer must still be alive
            flag->store(true);
            return static_cast<std::int32_t>(b.size());
          }));
      // Polled (yielding) until the job runs, then dropped while it still sleeps.
      auto outcome = co_await weft::test::drop_after_polls(std::move(op), 1'000'000,
                                                           [go] { return go->load(); });
      EXPECT_FALSE(outcome.value.has_value());
      co_return flag->load();  // the drop returned: the job must have finished
    }(&started, &job_done));
    EXPECT_TRUE(done_when_dropped);
  }
}

TEST(EpollBlockingFormTest, AnOrphanedFdResultIsClosedAndADropThatBorrowsNothingDoesNotWait) {
  weft::test::watchdog dog(30s, "a drop that borrows nothing waited for its job");
  auto rt = epoll_runtime(1);
  (void)rt.block_on(weft::io::nop());  // the block_on thread's driver (2 fds) exists now
  const std::size_t before = weft::test::fd_count();
  std::atomic<int> started{0};
  std::atomic<int> opened{0};
  std::atomic<bool> gate{false};
  rt.block_on([](std::atomic<int>* st, std::atomic<int>* n, std::atomic<bool>* g) -> weft::task<void> {
    for (int i = 0; i < 10; ++i) {
      auto op = weft::io::make_op(
          prep_nop, weft::io::detail::to_size,
          weft::io::op_traits{.resource = weft::io::detail::op_resource::fd},
          weft::io::blocking([st, n, g]() -> std::int32_t {
            st->fetch_add(1);
            while (!g->load()) std::this_thread::sleep_for(1ms);  // held until every drop returned
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            n->fetch_add(1);
            return fd >= 0 ? fd : -errno;
          }));
      (void)co_await weft::test::drop_after_polls(std::move(op), 1'000'000,
                                                  [st, i] { return st->load() > i; });
    }
  }(&started, &opened, &gate));
  gate.store(true);  // a drop that waited for its job would have hung before this line
  EXPECT_TRUE(weft::test::wait_until([&] { return opened.load() == 10; }));
  EXPECT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == before; }))
      << "an fd nobody took was not closed";
}

TEST(EpollBlockingFormTest, ARegularFileReadsAtAnOffset) {
  auto rt = epoll_runtime(1);
  char path[] = "/tmp/weft_epoll_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  std::array<std::byte, 4> buf{};
  EXPECT_EQ(rt.block_on(weft::io::read(fd, buf, 3)).value(), 4u);
  EXPECT_EQ(std::memcmp(buf.data(), "3456", 4), 0);
  const char w[] = "ab";
  EXPECT_EQ(rt.block_on(weft::io::write(fd, std::as_bytes(std::span(w, 2)), 8)).value(), 2u);
  EXPECT_EQ(rt.block_on(weft::io::read(fd, buf, 6)).value(), 4u);
  EXPECT_EQ(std::memcmp(buf.data(), "67ab", 4), 0);
  ::close(fd);
}

TEST(EpollBlockingFormTest, AReadOnABlockingPtyGoesToThePoolAndCompletes) {
  // A tty has no RWF_NOWAIT support: a blocking master fd cannot be tried non-blocking, so the
  // read runs on the blocking pool (or, on a kernel whose ttys support NOWAIT, it waits for
  // readiness); either way the bytes written to the slave arrive.
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) GTEST_SKIP() << "no pty: " << std::strerror(errno);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(slave, 0);
  auto rt = epoll_runtime(1);
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    ASSERT_EQ(::write(slave, "x", 1), 1);
  });
  std::array<std::byte, 8> buf{};
  auto n = rt.block_on(weft::io::read(master, buf));
  writer.join();
  ASSERT_TRUE(n.has_value()) << n.error().message();
  EXPECT_GE(*n, 1u);
  EXPECT_EQ(buf[0], std::byte{'x'});
  ::close(slave);
  ::close(master);
}

// ---- selection ---------------------------------------------------------------------------

TEST(IoBackendSelectionTest, TheAutomaticChoiceHasAReason) {
  const auto& c = weft::io::backend_selection();
  EXPECT_NE(c.backend, weft::io_backend::automatic);
  EXPECT_FALSE(c.reason.empty());
  const char* env = std::getenv("WEFT_IO_BACKEND");
  if (env != nullptr && std::string(env) == "epoll") {
    EXPECT_EQ(c.backend, weft::io_backend::epoll);
    EXPECT_NE(c.reason.find("WEFT_IO_BACKEND"), std::string::npos) << c.reason;
  } else if (env == nullptr && weft::io::io_uring_availability().available) {
    EXPECT_EQ(c.backend, weft::io_backend::io_uring) << c.reason;
  }
  auto rt = weft::runtime::builder().workers(1).build();
  EXPECT_EQ(rt.block_on([]() -> weft::task<weft::io_backend> {
              co_return weft::io::current_backend();
            }()),
            c.backend);
}

TEST(IoBackendSelectionTest, ExplicitIoUringUsesTheRingEvenWhenTheEnvironmentSaysEpoll) {
  WEFT_SKIP_WITHOUT_IO_URING();
  auto rt = weft::runtime::builder().workers(1).io_backend(weft::io_backend::io_uring).build();
  EXPECT_EQ(rt.block_on([]() -> weft::task<weft::io_backend> {
              co_return weft::io::current_backend();
            }()),
            weft::io_backend::io_uring);
}

} // namespace
