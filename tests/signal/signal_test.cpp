// tests/signal/signal_test.cpp: weft::signal on real signals: raise() to self reaches every
// listener exactly once; an arrival while no listener exists reaches the next one; a signal
// from another thread wakes a parked listener on a worker; ctrl_c(); a listener whose task
// stopped polling strands nobody; the pipe read survives the runtime it started on; bad
// signal numbers are EINVAL; the self-pipe is close-on-exec.
#include <gtest/gtest.h>

#include <weft/signal.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
namespace sig = weft::signal;

/// The next arrival on `s`, or nullopt after `d`.
task<std::optional<int>> next_within(sig::signal_stream& s, std::chrono::milliseconds d) {
  auto r = co_await weft::time::timeout(d, s.recv());
  if (!r) co_return std::nullopt;
  co_return **r;
}

TEST(SignalTest, RaiseToSelfReachesEveryListenerOnce) {
  weft::test::watchdog dog(30s, "raise to self");
  auto rt = weft::runtime::builder().workers(2).build();
  rt.block_on(rt.spawn([]() -> task<void> {
    auto a = sig::signal(SIGUSR1).value();
    auto b = sig::signal(SIGUSR1).value();
    EXPECT_EQ(a.signo(), SIGUSR1);
    for (int round = 0; round < 20; ++round) {
      EXPECT_EQ(::raise(SIGUSR1), 0);
      EXPECT_EQ(co_await next_within(a, 10s), SIGUSR1);
      EXPECT_EQ(co_await next_within(b, 10s), SIGUSR1);
    }
    // Exactly once: nothing more for either.
    EXPECT_EQ(co_await next_within(a, 30ms), std::nullopt);
    EXPECT_EQ(co_await next_within(b, 30ms), std::nullopt);
  }()));
}

TEST(SignalTest, AnArrivalWithNoListenerReachesTheNextOne) {
  weft::test::watchdog dog(30s, "arrival before listener");
  auto rt = weft::runtime::builder().workers(2).build();
  rt.block_on(rt.spawn([]() -> task<void> {
    {
      auto installs = sig::signal(SIGUSR2).value(); // installs the handler, then goes away
    }
    EXPECT_EQ(::raise(SIGUSR2), 0); // nobody listens now: the process must survive it
    auto late = sig::signal(SIGUSR2).value();
    EXPECT_EQ(co_await next_within(late, 10s), SIGUSR2);
    // A second late listener gets nothing: `late` took that arrival.
    auto later = sig::signal(SIGUSR2).value();
    EXPECT_EQ(co_await next_within(later, 30ms), std::nullopt);
  }()));
}

TEST(SignalTest, SignalFromAnotherThreadWakesAParkedListener) {
  weft::test::watchdog dog(30s, "cross-thread signal");
  auto rt = weft::runtime::builder().workers(2).build();
  auto s = sig::signal(SIGHUP).value();
  std::atomic<bool> waiting{false};
  // Named: the task runs after this statement, when a temporary lambda would be gone.
  auto body = [&]() -> task<int> {
    waiting = true;
    auto r = co_await s.recv();
    co_return r.value_or(-1);
  };
  auto h = rt.spawn(body());
  std::thread killer([&] {
    while (!waiting) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(20ms); // let the worker park in its ring
    if (weft::test::tsan) {
      // TSan defers a handler until its thread next enters an intercepted call, which a
      // worker parked in io_uring_enter does not: direct the signal at this thread.
      ::raise(SIGHUP);
    } else {
      ::kill(::getpid(), SIGHUP); // to the process: any thread may run the handler
    }
  });
  EXPECT_EQ(rt.block_on(std::move(h)), SIGHUP);
  killer.join();
}

TEST(SignalTest, ManyListenersOnManyTasks) {
  weft::test::watchdog dog(30s, "many listeners");
  auto rt = weft::runtime::builder().workers(2).build();
  constexpr int listeners = 16;
  constexpr int rounds = 10;
  std::atomic<int> got{0};
  std::atomic<int> ready{0};
  rt.block_on(rt.spawn([&]() -> task<void> {
    auto body = [&](sig::signal_stream s) -> task<void> {
      ready.fetch_add(1);
      for (int i = 0; i < rounds; ++i) {
        auto r = co_await s.recv();
        if (r == SIGWINCH) got.fetch_add(1);
      }
    };
    std::vector<weft::join_handle<void>> hs;
    for (int i = 0; i < listeners; ++i)
      hs.push_back(weft::spawn(body(sig::signal(SIGWINCH).value())));
    for (int i = 0; i < rounds; ++i) {
      // Wait until every listener took the previous round, so arrivals are not merged.
      while (got.load() < i * listeners) co_await weft::time::sleep(1ms);
      ::raise(SIGWINCH);
    }
    for (auto& h : hs) co_await h;
  }()));
  EXPECT_EQ(got.load(), listeners * rounds);
}

TEST(SignalTest, CtrlCCompletesOnSigint) {
  weft::test::watchdog dog(30s, "ctrl_c");
  auto rt = weft::runtime::builder().workers(2).build();
  rt.block_on(rt.spawn([]() -> task<void> {
    auto f = sig::ctrl_c(); // listening from here
    ::raise(SIGINT);        // before the first poll: not lost
    auto r = co_await f;
    EXPECT_TRUE(r);
  }()));
}

TEST(SignalTest, AListenerThatStoppedPollingStrandsNobody) {
  weft::test::watchdog dog(30s, "stranded listener");
  auto rt = weft::runtime::builder().workers(2).build();
  auto idle = sig::signal(SIGUSR1).value();
  rt.block_on(rt.spawn([&]() -> task<void> {
    // `idle` is polled once (it may start the shared pipe read) and then never again.
    auto once = co_await weft::select(idle.recv(), weft::ready(0));
    EXPECT_EQ(once.index(), 1U);
  }()));
  rt.block_on(rt.spawn([]() -> task<void> {
    auto active = sig::signal(SIGUSR1).value();
    ::raise(SIGUSR1);
    auto r = co_await next_within(active, 10s);
    EXPECT_EQ(r, SIGUSR1);
  }()));
}

TEST(SignalTest, ThePipeReadOutlivesTheRuntimeItStartedOn) {
  weft::test::watchdog dog(30s, "runtime gone");
  auto s = sig::signal(SIGUSR2).value();
  {
    auto rt1 = weft::runtime::builder().workers(1).build();
    rt1.block_on(rt1.spawn([&]() -> task<void> {
      // Polls once, starting the pipe read on this runtime's ring, then gives up.
      auto r = co_await weft::time::timeout(5ms, s.recv());
      EXPECT_FALSE(r);
    }()));
  } // the ring with the read in flight is gone
  auto rt2 = weft::runtime::builder().workers(2).build();
  rt2.block_on(rt2.spawn([&]() -> task<void> {
    ::raise(SIGUSR2);
    EXPECT_EQ(co_await next_within(s, 10s), SIGUSR2);
  }()));
}

TEST(SignalTest, BadSignalsAreEinval) {
  for (int bad : {0, -1, SIGKILL, SIGSTOP, SIGSEGV, _NSIG, 1000}) {
    auto r = sig::signal(bad);
    EXPECT_EQ(r.error(), std::errc::invalid_argument) << bad;
  }
}

TEST(SignalTest, TheSelfPipeIsCloseOnExec) {
  auto s = sig::signal(SIGUSR1).value();
  const int r = sig::detail::registry::get().read_fd();
  const int w = sig::detail::pipe_write_fd.load();
  ASSERT_GE(r, 0);
  ASSERT_GE(w, 0);
  EXPECT_EQ(weft::test::fd_target(r), weft::test::fd_target(w)); // the same pipe
  EXPECT_NE(::fcntl(r, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(::fcntl(w, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(::fcntl(w, F_GETFL) & O_NONBLOCK, 0); // the handler never blocks
}

// The README's example, as written there (reload on SIGHUP, stop on Ctrl-C).
std::atomic<int> reloads{0};
void reload_config() { reloads.fetch_add(1); }

weft::task<void> serve_until_shutdown() {
  auto hup = weft::signal::signal(SIGHUP).value(); // listening from here
  auto stop = weft::signal::ctrl_c();              // SIGINT
  for (;;) {
    auto ev = co_await weft::select(hup.recv(), std::move(stop));
    if (ev.index() == 1) co_return; // Ctrl-C: shut down
    reload_config();                // SIGHUP
    stop = weft::signal::ctrl_c();
  }
}

TEST(SignalTest, ReadmeExampleReloadsThenStops) {
  weft::test::watchdog dog(30s, "readme example");
  auto rt = weft::runtime::builder().workers(2).build();
  reloads = 0;
  // Installed before the task runs, so the first SIGHUP cannot find the default action.
  auto early_hup = sig::signal(SIGHUP).value();
  auto early_int = sig::signal(SIGINT).value();
  auto server = rt.spawn(serve_until_shutdown());
  std::thread sender([] {
    for (int i = 0; i < 2; ++i) {
      std::this_thread::sleep_for(20ms);
      ::raise(SIGHUP); // the handler runs on this thread (see above for TSan)
      while (reloads < i + 1) std::this_thread::sleep_for(1ms);
    }
    ::raise(SIGINT);
  });
  rt.block_on(std::move(server));
  sender.join();
  EXPECT_EQ(reloads.load(), 2);
}

} // namespace
