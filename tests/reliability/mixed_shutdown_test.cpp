// tests/reliability/mixed_shutdown_test.cpp: RELIABILITY.md "Shutdown": drop the runtime with
// thousands of tasks blocked on sockets, timers, files, channels and blocking jobs at once,
// repeated, with fds, threads and live frames back to their baseline every round.
//
// The layers' own suites test shutdown one wait at a time; this one mixes them, so a
// shutdown that tears one layer down before another (a channel waker into a freed task, a
// socket read whose CQE lands after the ring closed, a blocking job that outlives the pool)
// shows here. Oracles: every future destroyed exactly once (drop_probe), live_tasks == 0,
// /proc/self/fd and /proc/self/task counts at baseline; ASan/TSan runs find the rest.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <unistd.h>

#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/fs.hpp"
#include "weft/net.hpp"
#include "weft/sync.hpp"
#include "weft/time.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::drop_probe;
using weft::test::probe_stats;

std::size_t thread_count() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.' ? 1 : 0;
    ::closedir(d);
  }
  return n;
}

/// Blocked on a TCP read that no data will ever satisfy.
weft::task<void> socket_reader(drop_probe p, weft::net::tcp_stream s, std::atomic<long>* started) {
  std::array<std::byte, 64> buf{};
  started->fetch_add(1);
  auto r = co_await s.read(buf);
  ADD_FAILURE() << "a read of a silent peer completed: " << (r ? *r : 0);
  (void)p;
}

/// Blocked in accept on a listener nobody connects to.
weft::task<void> acceptor(drop_probe p, weft::net::tcp_listener* l, std::atomic<long>* started) {
  started->fetch_add(1);
  auto r = co_await l->accept();
  ADD_FAILURE() << "an accept nobody connected to completed";
  (void)r;
  (void)p;
}

weft::task<void> sleeper(drop_probe p, std::atomic<long>* started) {
  started->fetch_add(1);
  co_await weft::time::sleep(1h);
  (void)p;
}

/// Reads a file over and over: shutdown finds file ops in flight or about to be submitted.
weft::task<void> file_reader(drop_probe p, std::filesystem::path path, std::atomic<long>* started) {
  auto f = co_await weft::fs::file::open(path);
  if (!f) {
    ADD_FAILURE() << "open: " << f.error().message();
    co_return;
  }
  started->fetch_add(1);
  std::array<std::byte, 4096> buf{};
  for (std::uint64_t off = 0;; off = (off + buf.size()) % (1 << 20)) {
    auto n = co_await f->read_at(buf, off);
    if (!n) {
      ADD_FAILURE() << "read_at: " << n.error().message();
      co_return;
    }
  }
  (void)p;
}

/// Blocked on a channel whose sender stays alive.
weft::task<void> channel_waiter(drop_probe p, weft::sync::mpsc<int>::receiver rx,
                                std::atomic<long>* started) {
  started->fetch_add(1);
  auto v = co_await rx.recv();
  ADD_FAILURE() << "a channel nobody sends on delivered " << v.value_or(-1);
  (void)p;
}

/// Awaits a blocking job that takes a while.
weft::task<void> blocking_waiter(drop_probe p, std::atomic<long>* started) {
  started->fetch_add(1);
  auto job = [] {
    std::this_thread::sleep_for(20ms);
    return 1;
  };
  (void)co_await weft::spawn_blocking(job);
  co_await weft::time::sleep(1h);
  (void)p;
}

TEST(MixedShutdownTest, DroppingARuntimeBlockedOnEveryLayerIsExactAndLeaksNothing) {
  const int rounds = static_cast<int>(weft::test::scaled(50, 20, 5));
  const long per_kind = weft::test::scaled(1'500, 500, 150);
  weft::test::watchdog dog(120s, "mixed-layer shutdown rounds");

  // A 1 MiB file for the readers.
  char tmpl[] = "/tmp/weft-mixed-shutdown-XXXXXX";
  const int tfd = ::mkstemp(tmpl);
  ASSERT_GE(tfd, 0);
  std::vector<char> data(1 << 20, 'x');
  ASSERT_EQ(::write(tfd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(tfd);
  const std::filesystem::path path(tmpl);

  const std::size_t fds_before = weft::test::fd_count();
  const std::size_t threads_before = thread_count();
  for (int round = 0; round < rounds; ++round) {
    probe_stats stats;
    std::atomic<long> started{0};
    long spawned = 0;
    {
      auto rt = weft::runtime::builder().workers(round % 2 == 0 ? 2 : 1).build();
      auto listener = weft::net::tcp_listener::bind("127.0.0.1:0").value();
      const auto addr = listener.local_addr().value();
      // Connected pairs whose peers never write: the server side is kept in `peers`.
      std::vector<weft::net::tcp_stream> peers;
      std::vector<weft::net::tcp_stream> clients;
      rt.block_on([&]() -> weft::task<void> {
        for (long i = 0; i < per_kind / 10; ++i) {
          auto c = co_await weft::net::tcp_stream::connect(addr);
          if (!c) {
            ADD_FAILURE() << "connect: " << c.error().message();
            co_return;
          }
          auto a = co_await listener.accept();
          if (!a) {
            ADD_FAILURE() << "accept: " << a.error().message();
            co_return;
          }
          clients.push_back(std::move(*c));
          peers.push_back(std::move(a->first));
        }
      }());
      std::vector<weft::sync::mpsc<int>::sender> senders;  // keep every channel open
      for (auto& c : clients) {
        rt.spawn(socket_reader(drop_probe(stats), std::move(c), &started)).detach();
        ++spawned;
      }
      for (int i = 0; i < 4; ++i) {
        rt.spawn(acceptor(drop_probe(stats), &listener, &started)).detach();
        ++spawned;
      }
      for (long i = 0; i < per_kind; ++i) {
        rt.spawn(sleeper(drop_probe(stats), &started)).detach();
        auto [s, r] = weft::sync::mpsc<int>::channel(1);
        senders.push_back(std::move(s));
        rt.spawn(channel_waiter(drop_probe(stats), std::move(r), &started)).detach();
        spawned += 2;
      }
      for (long i = 0; i < 8; ++i) {
        rt.spawn(file_reader(drop_probe(stats), path, &started)).detach();
        rt.spawn(blocking_waiter(drop_probe(stats), &started)).detach();
        spawned += 2;
      }
      // Every other round waits until every task reached its wait; the rest drop the runtime
      // with tasks still queued.
      if (round % 2 == 0) {
        ASSERT_TRUE(weft::test::wait_until([&] { return started.load() == spawned; }, 30s))
            << started.load() << " of " << spawned << " tasks started";
      }
      rt.shutdown();
      EXPECT_EQ(rt.metrics().live_tasks, 0u);
      // The listener, the peers and the senders outlive the runtime's tasks: dropping them now
      // must not touch the (shut-down) runtime.
    }
    ASSERT_EQ(stats.made(), spawned);
    ASSERT_EQ(stats.destroyed(), spawned) << "round " << round << ": a future was not dropped";
    // A blocking job still sleeping holds the runtime's core (its rings) until it returns,
    // as documented for spawn_blocking; so the fds come back within a job's length.
    ASSERT_TRUE(weft::test::wait_until([&] { return weft::test::fd_count() == fds_before; }, 5s))
        << "round " << round << ": " << weft::test::fd_count() << " fds, " << fds_before
        << " before";
  }
  // <=: a thread of an earlier test may still have been on its way out at the first count.
  EXPECT_TRUE(weft::test::wait_until([&] { return thread_count() <= threads_before; }, 5s))
      << thread_count() << " threads, " << threads_before << " before";
  ::unlink(tmpl);
}

} // namespace
