// tests/fs/lifecycle_test.cpp: descriptors never leak and never cross exec: an open dropped
// before submit, in flight, and after its CQE (closed by the orphan action); a file dropped
// without close(); open/read/close churn on two workers with random cancellation (timeouts
// of 0 and a few µs, select against a sleep), fds back at baseline; a forked and exec'd
// child sees none of weft's fds; ENOSPC on a 1 MiB tmpfs reports the bytes written.
#include <gtest/gtest.h>

#include <weft/fs.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/fs_support.hpp"
#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
using weft::test::fd_count;
using weft::test::pattern;
using weft::test::temp_dir;
using weft::test::wait_until;
namespace fs = weft::fs;

bool fds_back_to(std::size_t baseline) {
  return wait_until([&] { return fd_count() == baseline; }, 5s);
}

TEST(FsLifecycleTest, DroppedOpensCloseWhatTheKernelOpened) {
  temp_dir dir;
  const std::string path = (dir / "f").string();
  auto rt = weft::runtime::builder().workers(2).build();
  rt.block_on([&]() -> task<void> { EXPECT_TRUE(co_await fs::write(path, pattern(10))); }());
  const std::size_t baseline = fd_count();
  // On a worker: drop_after_wake yields by self-waking, which a worker's loop turns the
  // ring between (the block_on thread's loop need not).
  rt.block_on(rt.spawn([&]() -> task<void> {
    for (int i = 0; i < 50; ++i) {
      // Before submit: the SQE becomes a NOP.
      (void)co_await weft::test::poll_once_then_drop(
          weft::io::openat(AT_FDCWD, path.c_str(), O_RDONLY | O_CLOEXEC, 0));
      // After the CQE, before the re-poll: the opened fd is the orphan's to close.
      (void)co_await weft::test::drop_after_wake(
          weft::io::openat(AT_FDCWD, path.c_str(), O_RDONLY | O_CLOEXEC, 0));
      // The fs::file::open task dropped at assorted points.
      (void)co_await weft::test::drop_after_polls(fs::file::open(path), 1 + i % 4);
    }
  }()));
  EXPECT_TRUE(fds_back_to(baseline)) << fd_count() << " fds, baseline " << baseline;
}

TEST(FsLifecycleTest, DroppedFileIsClosedWithoutBlockingTheWorker) {
  temp_dir dir;
  auto rt = weft::runtime::builder().workers(2).build();
  (void)rt.block_on(weft::io::nop()); // the block_on thread's ring exists from here on
  const std::size_t baseline = fd_count();
  rt.block_on([&]() -> task<void> {
    for (int i = 0; i < 100; ++i) {
      auto f = co_await fs::file::create(dir / ("f" + std::to_string(i)));
      EXPECT_TRUE(f);
      // dropped here: the blocking pool closes it
    }
  }());
  EXPECT_TRUE(fds_back_to(baseline)) << fd_count() << " fds, baseline " << baseline;
  // Off a runtime the destructor closes at once.
  {
    auto f = rt.block_on(fs::file::open(dir / "f0")).value();
    EXPECT_EQ(fd_count(), baseline + 1);
  }
  EXPECT_EQ(fd_count(), baseline);
}

TEST(FsLifecycleTest, ChurnWithRandomCancellationLeavesFdsAtBaseline) {
  temp_dir dir;
  const auto path = dir / "churn";
  const auto data = pattern(64 * 1024);
  auto rt = weft::runtime::builder().workers(2).build();
  rt.block_on([&]() -> task<void> { EXPECT_TRUE(co_await fs::write(path, data)); }());
  const std::size_t baseline = fd_count();
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const long per_task = weft::test::scaled(2000, 400, 100);
  std::atomic<long> completed{0};
  std::atomic<long> cancelled{0};
  std::atomic<long> corrupt{0};
  weft::test::watchdog dog(60s, "fs churn");
  rt.block_on([&]() -> task<void> {
    // A named lambda: it outlives the tasks (a temporary one would die with the spawn's
    // full expression, leaving the frames reading dead captures).
    auto worker = [&](unsigned t) -> task<void> {
      std::mt19937 rng(seed + t);
      auto body = [&](std::uint64_t off, bool explicit_close) -> task<bool> {
        auto f = co_await fs::file::open(path);
        if (!f) co_return false;
        std::vector<std::byte> buf(4096);
        auto n = co_await f->read_at(buf, off);
        if (!n || *n != buf.size() ||
            !std::equal(buf.begin(), buf.end(), data.begin() + static_cast<long>(off)))
          corrupt.fetch_add(1);
        if (explicit_close) {
          auto c = co_await f->close();
          if (!c) corrupt.fetch_add(1);
        }
        co_return true;
      };
      for (long i = 0; i < per_task; ++i) {
        const std::uint64_t off = (rng() % 15) * 4096;
        const bool close_it = (rng() & 1) != 0;
        switch (rng() % 4) {
        case 0: { // no cancellation
          if (co_await body(off, close_it)) completed.fetch_add(1);
          break;
        }
        case 1: { // a zero timeout: dropped after its first poll
          auto r = co_await weft::time::timeout(0us, body(off, close_it));
          (r ? completed : cancelled).fetch_add(1);
          break;
        }
        default: { // against a short sleep: dropped wherever it got to
          auto r = co_await weft::select(body(off, close_it),
                                         weft::time::sleep(std::chrono::microseconds(rng() % 50)));
          (r.index() == 0 ? completed : cancelled).fetch_add(1);
          break;
        }
        }
      }
    };
    std::vector<weft::join_handle<void>> hs;
    for (unsigned t = 0; t < 8; ++t) hs.push_back(weft::spawn(worker(t)));
    for (auto& h : hs) co_await h;
  }());
  EXPECT_EQ(corrupt.load(), 0);
  EXPECT_EQ(completed.load() + cancelled.load(), 8 * per_task);
  EXPECT_TRUE(fds_back_to(baseline)) << fd_count() << " fds, baseline " << baseline;
}

TEST(FsLifecycleTest, ForkedAndExecdChildInheritsNoWeftFd) {
  temp_dir dir;
  const auto path = dir / "kept-open";
  auto rt = weft::runtime::builder().workers(2).build();
  auto f = rt.block_on([&]() -> task<fs::file> {
    co_return (co_await fs::file::open(path, fs::open_options().write(true).create(true))).value();
  }());
  // What weft holds open in this process: the file, the rings, their eventfds.
  std::vector<std::string> ours;
  for (int fd : weft::test::open_fds()) {
    const std::string t = weft::test::fd_target(fd);
    if (t.find("io_uring") != std::string::npos || t.find("eventfd") != std::string::npos ||
        t == path.string())
      ours.push_back(t);
  }
  ASSERT_FALSE(ours.empty());
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  const std::string script = "for f in /proc/$$/fd/*; do readlink \"$f\"; done; true";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string listing;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
    listing.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(listing.empty());
  for (const auto& t : ours) EXPECT_EQ(listing.find(t), std::string::npos) << t << " leaked";
  EXPECT_EQ(listing.find("io_uring"), std::string::npos) << listing;
  rt.block_on([&]() -> task<void> { EXPECT_TRUE(co_await f.close()); }());
}

// ENOSPC: the parent forks a child that makes a private mount namespace with a 1 MiB tmpfs
// and re-executes this binary on the ChildWritesUntilFull test (a fresh process: no threads
// copied by fork touch weft state).
constexpr const char* enospc_env = "WEFT_FS_ENOSPC_DIR";

TEST(FsLifecycleTest, EnospcReportsTheBytesWritten) {
  temp_dir dir;
  const std::string mnt = dir.path().string();
  const std::string filter = "--gtest_filter=FsLifecycleTest.ChildWritesUntilFull";
  char exe[4096] = {};
  ASSERT_GT(::readlink("/proc/self/exe", exe, sizeof exe - 1), 0);
  const std::string env = std::string(enospc_env) + "=" + mnt;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(77);
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(78);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) ::_exit(79);
    char* argv[] = {exe, const_cast<char*>(filter.c_str()), nullptr};
    char* envp[] = {const_cast<char*>(env.c_str()), nullptr};
    ::execve(exe, argv, envp);
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  const int code = WEXITSTATUS(status);
  if (code >= 77 && code <= 79) {
    GTEST_SKIP() << "cannot mount a small tmpfs here ("
                 << (code == 77   ? "unshare(CLONE_NEWNS)"
                     : code == 78 ? "make / private"
                                  : "mount")
                 << " failed; needs CAP_SYS_ADMIN)";
  }
  EXPECT_EQ(code, 0) << "the child's assertions failed (see its output above)";
}

TEST(FsLifecycleTest, ChildWritesUntilFull) {
  const char* mnt = std::getenv(enospc_env);
  if (mnt == nullptr) GTEST_SKIP() << "runs only as the child of EnospcReportsTheBytesWritten";
  const std::filesystem::path dir(mnt);
  auto rt = weft::runtime::builder().current_thread().build();
  rt.block_on([&]() -> task<void> {
    const auto data = pattern(3 << 20); // 3 MiB into 1 MiB
    auto w = co_await fs::write(dir / "big", data);
    EXPECT_FALSE(w);
    EXPECT_EQ(w.error, std::errc::no_space_on_device) << w.error.message();
    EXPECT_GT(w.bytes_written, 0U);
    EXPECT_LE(w.bytes_written, std::size_t{1} << 20);
    auto md = co_await fs::metadata(dir / "big");
    EXPECT_EQ(md.value().len(), w.bytes_written); // no silent truncation, no extra bytes
    auto back = (co_await fs::read(dir / "big")).value();
    EXPECT_TRUE(std::equal(back.begin(), back.end(), data.begin()));

    // The same through write_all_at on an open file, at an offset.
    EXPECT_TRUE(co_await fs::remove_file(dir / "big"));
    auto f = (co_await fs::file::create(dir / "at")).value();
    auto w2 = co_await f.write_all_at(data, 4096);
    EXPECT_EQ(w2.error, std::errc::no_space_on_device);
    EXPECT_GT(w2.bytes_written, 0U);
    EXPECT_EQ((co_await f.metadata()).value().len(), 4096 + w2.bytes_written);
    EXPECT_TRUE(co_await f.close());
  }());
}

} // namespace
