// tests/io/setup_test.cpp: ring setup at the edges: io_uring unavailable (io_uring_setup
// failing with EPERM or ENOSYS, injected with `strace -e inject=...` into a child copy of
// this binary) must give a std::system_error naming the cause; every fd weft creates is
// close-on-exec, and an exec'd child inherits none of them.
//
// The child: when WEFT_IO_SETUP_CHILD is set, this binary builds a runtime before gtest
// starts, prints `child: code=<errno> what=<what()>` (or `child: built`) and exits.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "support/io_support.hpp"
#include "weft/weft.hpp"

namespace {

int run_setup_child(const char* flavour) {
  try {
    auto b = weft::runtime::builder().driver(weft::io::uring_driver_factory());
    if (std::string(flavour) == "current") {
      b.current_thread();
    } else {
      b.workers(2);
    }
    auto rt = b.build();
    std::printf("child: built\n");
  } catch (const std::system_error& e) {
    std::printf("child: code=%d what=%s\n", e.code().value(), e.what());
  } catch (const std::exception& e) {
    std::printf("child: other exception: %s\n", e.what());
  }
  std::fflush(stdout);
  return 0;
}

/// The automatic-selection child: a default runtime (io_backend::automatic), a pipe round
/// trip, a sleep and a nop; prints `child: backend=<b> ok=<0|1> reason=<why>`.
int run_auto_child() {
  try {
    auto rt = weft::runtime::builder().workers(2).build();
    const bool ok = rt.block_on([]() -> weft::task<bool> {
      weft::test::test_pipe p;
      const char msg[] = "abc";
      auto w = co_await weft::io::write(p.w(), std::as_bytes(std::span(msg, 3)));
      std::array<std::byte, 3> buf{};
      auto r = co_await weft::io::read_exact(p.r(), buf);
      co_await weft::time::sleep(std::chrono::milliseconds(2));
      auto n = co_await weft::io::nop();
      co_return w.has_value() && r.has_value() && n.has_value() && buf[2] == std::byte{'c'};
    }());
    const auto backend = rt.block_on([]() -> weft::task<weft::io_backend> {
      co_return weft::io::current_backend();
    }());
    std::printf("child: backend=%s ok=%d reason=%s\n", weft::to_string(backend), ok ? 1 : 0,
                weft::io::backend_selection().reason.c_str());
  } catch (const std::exception& e) {
    std::printf("child: exception: %s\n", e.what());
  }
  std::fflush(stdout);
  return 0;
}

// Runs before main (and gtest) when the variable is set.
[[maybe_unused]] const bool setup_child_ran = [] {
  if (const char* f = std::getenv("WEFT_IO_SETUP_CHILD")) {
    if (std::string(f) == "auto") std::_Exit(run_auto_child());
    std::_Exit(run_setup_child(f));
  }
  return false;
}();

std::string self_exe() {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
}

std::string run_capture(const std::string& cmd) {
  std::string out;
  if (std::FILE* f = ::popen(cmd.c_str(), "r")) {
    std::array<char, 512> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), f) != nullptr) out += buf.data();
    ::pclose(f);
  }
  return out;
}

bool have_strace() { return ::access("/usr/bin/strace", X_OK) == 0; }

std::string child_with_injected(const char* err, const char* flavour) {
  // -f: the workers' threads call io_uring_setup too. Sanitizer runtimes are fine under
  // strace; their own output goes to stderr, which is discarded with strace's.
  const std::string cmd = std::string("WEFT_IO_SETUP_CHILD=") + flavour +
                          " /usr/bin/strace -f -o /dev/null -e trace=io_uring_setup -e inject=io_uring_setup:error=" +
                          err + " " + self_exe() + " 2>/dev/null";
  return run_capture(cmd);
}

class IoSetupFailureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(IoSetupFailureTest, EpermNamesIoUringAndTheLikelyCause) {
  if (!have_strace()) GTEST_SKIP() << "/usr/bin/strace is not installed";
  const std::string out = child_with_injected("EPERM", GetParam());
  if (out.find("child:") == std::string::npos) GTEST_SKIP() << "strace could not run the child: " << out;
  EXPECT_NE(out.find("code=1 "), std::string::npos) << out;  // EPERM
  EXPECT_NE(out.find("io_uring"), std::string::npos) << out;
  const bool names_cause = out.find("EPERM") != std::string::npos ||
                           out.find("seccomp") != std::string::npos ||
                           out.find("io_uring_disabled") != std::string::npos;
  EXPECT_TRUE(names_cause) << out;
}

TEST_P(IoSetupFailureTest, EnosysSaysTheKernelLacksIoUring) {
  if (!have_strace()) GTEST_SKIP() << "/usr/bin/strace is not installed";
  const std::string out = child_with_injected("ENOSYS", GetParam());
  if (out.find("child:") == std::string::npos) GTEST_SKIP() << "strace could not run the child: " << out;
  EXPECT_NE(out.find("code=38 "), std::string::npos) << out;  // ENOSYS
  EXPECT_NE(out.find("io_uring"), std::string::npos) << out;
  EXPECT_NE(out.find("ENOSYS"), std::string::npos) << out;
}

TEST_P(IoSetupFailureTest, WithoutInjectionTheChildBuildsARuntime) {
  WEFT_SKIP_WITHOUT_IO_URING();
  // The control: the same child, without the fault, succeeds (so the tests above measure
  // the injected failure, not a broken child).
  const std::string out =
      run_capture(std::string("WEFT_IO_SETUP_CHILD=") + GetParam() + " " + self_exe() + " 2>/dev/null");
  EXPECT_NE(out.find("child: built"), std::string::npos) << out;
}

// ---- automatic selection with io_uring unavailable for real --------------------------------

std::string auto_child(const char* inject_err) {
  // env -u: the CI stage `epoll` sets WEFT_IO_BACKEND, which would decide without probing.
  std::string cmd = std::string("env -u WEFT_IO_BACKEND WEFT_IO_SETUP_CHILD=auto ");
  if (inject_err != nullptr) {
    cmd += std::string("/usr/bin/strace -f -o /dev/null -e trace=io_uring_setup -e inject=io_uring_setup:error=") +
           inject_err + " ";
  }
  return run_capture(cmd + self_exe() + " 2>&1");
}

TEST(IoAutomaticBackendTest, WithIoUringSetupFailingEpermItRunsOnEpollAndSaysWhy) {
  if (!have_strace()) GTEST_SKIP() << "/usr/bin/strace is not installed";
  const std::string out = auto_child("EPERM");
  if (out.find("child:") == std::string::npos) GTEST_SKIP() << "strace could not run the child: " << out;
  EXPECT_NE(out.find("child: backend=epoll ok=1 "), std::string::npos) << out;
  EXPECT_NE(out.find("io_uring unavailable"), std::string::npos) << out;
  EXPECT_NE(out.find("EPERM"), std::string::npos) << out;
  // No noise: the child's only output (stderr included) is its report line (and, in the
  // chaos build, its seed banner).
  std::string rest = out;
  const std::string banner = "weft: chaos build";
  if (rest.rfind(banner, 0) == 0) rest = rest.substr(rest.find('\n') + 1);
  EXPECT_EQ(rest.find("child:"), 0u) << out;
  EXPECT_EQ(rest.find('\n'), rest.size() - 1) << out;
}

TEST(IoAutomaticBackendTest, WithIoUringSetupFailingEnosysItRunsOnEpollAndSaysWhy) {
  if (!have_strace()) GTEST_SKIP() << "/usr/bin/strace is not installed";
  const std::string out = auto_child("ENOSYS");
  if (out.find("child:") == std::string::npos) GTEST_SKIP() << "strace could not run the child: " << out;
  EXPECT_NE(out.find("child: backend=epoll ok=1 "), std::string::npos) << out;
  EXPECT_NE(out.find("ENOSYS"), std::string::npos) << out;
}

TEST(IoAutomaticBackendTest, WithIoUringWorkingTheChildPicksIoUring) {
  WEFT_SKIP_WITHOUT_IO_URING();
  const std::string out = auto_child(nullptr);
  EXPECT_NE(out.find("child: backend=io_uring ok=1 reason=io_uring_setup works"), std::string::npos)
      << out;
}

INSTANTIATE_TEST_SUITE_P(Flavours, IoSetupFailureTest, ::testing::Values("current", "workers"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           return std::string(i.param) == "current" ? std::string("CurrentThread")
                                                                    : std::string("Workers");
                         });

// ---- close-on-exec ------------------------------------------------------------------------

bool is_weft_fd(const std::string& target) {
  return target == "anon_inode:[io_uring]" || target == "anon_inode:[eventfd]" ||
         target == "anon_inode:[eventpoll]";
}

TEST(IoCloexecTest, EveryFdWeftCreatesIsCloseOnExec) {
  auto rt = weft::runtime::builder().workers(2).build();
  // A block_on thread makes its own driver: check while it lives.
  int checked = 0;
  auto check_all = [&] {
    for (int fd : weft::test::open_fds()) {
      const std::string target = weft::test::fd_target(fd);
      if (!is_weft_fd(target)) continue;
      const int flags = ::fcntl(fd, F_GETFD);
      if (flags < 0) continue;  // closed meanwhile
      ++checked;
      EXPECT_NE(flags & FD_CLOEXEC, 0) << "fd " << fd << " (" << target << ") is inherited by exec";
    }
  };
  rt.block_on([&]() -> weft::task<void> {
    (void)co_await weft::io::nop();
    check_all();
  }());
  check_all();
  // 2 workers + the block_on thread, each a ring (or an epoll instance) and an eventfd.
  EXPECT_GE(checked, 4 + 6);
}

TEST(IoCloexecTest, AnExecdChildInheritsNoRingOrEventfd) {
  auto rt = weft::runtime::builder().workers(2).build();
  const std::string listing = rt.block_on([&]() -> weft::task<std::string> {
    (void)co_await weft::io::nop();
    // popen forks and execs /bin/sh, which execs ls: ls lists its own fds.
    co_return run_capture("ls -l /proc/self/fd 2>&1");
  }());
  ASSERT_FALSE(listing.empty());
  EXPECT_EQ(listing.find("io_uring"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("eventfd"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("eventpoll"), std::string::npos) << listing;
}

} // namespace
