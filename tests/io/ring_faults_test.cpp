// tests/io/ring_faults_test.cpp: the reactor under a hostile ring: tiny submission and
// completion queues with 10k concurrent ops, and the fault-injecting ring (failed enters,
// short reads/writes, retryable errors) under read_exact/write_all and plain nops.
//
// Randomized tests print their seed; set WEFT_TEST_SEED=<n> to replay one.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "support/io_ledger_ring.hpp"
#include "support/io_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/testing/fault_ring.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::io_ledger;
using weft::test::test_pipe;

std::uint64_t test_seed(const char* what) {
  std::uint64_t seed = 0;
  if (const char* env = std::getenv("WEFT_TEST_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    seed = std::random_device{}();
  }
  std::printf("[seed] %s: WEFT_TEST_SEED=%llu\n", what, static_cast<unsigned long long>(seed));
  return seed;
}

// ---- tiny rings ---------------------------------------------------------------------------

struct ring_size {
  unsigned sq;
  unsigned cq;
};

class IoTinyRingTest : public ::testing::TestWithParam<ring_size> {};

/// One of 10k concurrent tasks: a few nops, a short kernel timeout, or one byte through one
/// of the shared pipes (as many writers as readers per pipe, so every read completes).
weft::task<void> tiny_ring_task(long i, test_pipe* pp, std::atomic<long>* done,
                                std::atomic<long>* failures) {
  std::array<std::byte, 1> b{std::byte{42}};
  switch (i % 4) {
  case 0:
    for (int k = 0; k < 3; ++k) {
      if (!co_await weft::io::nop()) failures->fetch_add(1);
    }
    break;
  case 1:
    if (!co_await weft::io::kernel_timeout(std::chrono::microseconds(i % 2000)))
      failures->fetch_add(1);
    break;
  case 2: {
    auto w = co_await weft::io::write(pp->w(), b);
    if (!w || *w != 1) failures->fetch_add(1);
    break;
  }
  default: {
    auto r = co_await weft::io::read(pp->r(), b);
    if (!r || *r != 1) failures->fetch_add(1);
    break;
  }
  }
  done->fetch_add(1);
}

TEST_P(IoTinyRingTest, TenThousandConcurrentOpsAllComplete) {
  WEFT_SKIP_WITHOUT_IO_URING();
  const ring_size size = GetParam();
  const long tasks = weft::test::scaled(10'000, 10'000, 4'000);
  weft::test::watchdog dog(60s, "tiny ring " + std::to_string(size.sq) + "/" +
                                    std::to_string(size.cq));
  const std::size_t fds_before = weft::test::fd_count();
  auto ledger = std::make_shared<io_ledger>();
  std::atomic<long> done{0};
  std::atomic<long> failures{0};
  {
    std::vector<std::unique_ptr<test_pipe>> pipes;
    for (int i = 0; i < 64; ++i) pipes.push_back(std::make_unique<test_pipe>());
    weft::io::ring_maker o = weft::test::ledger_ring_maker(ledger);
    auto rt = weft::runtime::builder()
                  .workers(2)
                  .ring_entries(size.sq, size.cq)
                  .driver(weft::io::uring_driver_factory(o))
                  .build();
    const auto start = std::chrono::steady_clock::now();
    rt.block_on([&]() -> weft::task<void> {
      std::vector<weft::join_handle<void>> hs;
      hs.reserve(static_cast<std::size_t>(tasks));
      for (long i = 0; i < tasks; ++i) {
        // Pipe i/4 % 64: tasks 4k+2 (writer) and 4k+3 (reader) share a pipe.
        hs.push_back(weft::spawn(
            tiny_ring_task(i, pipes[static_cast<std::size_t>(i / 4) % pipes.size()].get(), &done,
                           &failures)));
      }
      for (auto& h : hs) co_await h;
    }());
    std::printf("[tiny ring %u/%u] %ld tasks in %lld ms; %s\n", size.sq, size.cq, tasks,
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - start)
                                           .count()),
                ledger->summary().c_str());
  }
  EXPECT_EQ(done.load(), tasks);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ledger->outstanding(), 0) << ledger->summary();
  EXPECT_EQ(ledger->orphans(), 0) << ledger->summary();
  EXPECT_EQ(ledger->completed_count(), ledger->submitted_count());
  EXPECT_EQ(weft::test::fd_count(), fds_before);
}

INSTANTIATE_TEST_SUITE_P(Sizes, IoTinyRingTest,
                         ::testing::Values(ring_size{1, 2}, ring_size{2, 2}, ring_size{2, 4},
                                           ring_size{4, 4}),
                         [](const ::testing::TestParamInfo<ring_size>& i) {
                           return "Sq" + std::to_string(i.param.sq) + "Cq" +
                                  std::to_string(i.param.cq);
                         });

TEST(IoTinyRingTest, CancelsAreNotLostWhenTheSubmissionQueueIsFull) {
  WEFT_SKIP_WITHOUT_IO_URING();
  // SQ 1: every cancel needs a flush first. 2k reads on empty pipes, all dropped after
  // submit by timeouts at once; each must end with one CQE.
  const long tasks = weft::test::scaled(2'000, 2'000, 500);
  weft::test::watchdog dog(60s, "cancel with a full SQ");
  auto ledger = std::make_shared<io_ledger>();
  std::atomic<long> timed_out{0};
  {
    test_pipe p;
    weft::io::ring_maker o = weft::test::ledger_ring_maker(ledger);
    auto rt = weft::runtime::builder()
                  .workers(2)
                  .ring_entries(1, 2)
                  .driver(weft::io::uring_driver_factory(o))
                  .build();
    rt.block_on([&]() -> weft::task<void> {
      std::vector<weft::join_handle<void>> hs;
      for (long i = 0; i < tasks; ++i) {
        hs.push_back(weft::spawn([](int fd, std::atomic<long>* n) -> weft::task<void> {
          std::array<std::byte, 8> buf{};
          auto r = co_await weft::time::timeout(30ms, weft::io::read(fd, buf));
          if (!r) n->fetch_add(1);
        }(p.r(), &timed_out)));
      }
      for (auto& h : hs) co_await h;
    }());
  }
  EXPECT_EQ(timed_out.load(), tasks);
  EXPECT_EQ(ledger->outstanding(), 0) << ledger->summary();
  EXPECT_EQ(ledger->orphans(), 0) << ledger->summary();
  EXPECT_EQ(ledger->of(IORING_OP_READ).positive, 0) << ledger->summary();
}

// ---- the fault-injecting ring -------------------------------------------------------------

TEST(IoFaultRingTest, ReadExactAndWriteAllStayByteExactUnderInjectedFaults) {
  WEFT_SKIP_WITHOUT_IO_URING();
  const std::uint64_t seed = test_seed("IoFaultRingTest.ReadExactAndWriteAll");
  std::mt19937_64 rng(seed);
  weft::test::watchdog dog(60s, "fault ring byte stream");
  weft::testing::fault_plan plan;
  plan.seed = seed;
  plan.enter_error_rate = 0.05;
  plan.short_rate = 0.3;
  plan.error_rate = 0.1;
  auto stats = std::make_shared<weft::testing::fault_stats>();
  weft::io::ring_maker o = weft::testing::faulty_ring_maker(plan, stats);
  auto rt = weft::runtime::builder().workers(2).driver(weft::io::uring_driver_factory(o)).build();

  const std::size_t size = (1u << 20) + rng() % (3u << 20);  // 1..4 MiB
  std::vector<std::byte> src(size);
  for (auto& b : src) b = std::byte(static_cast<unsigned char>(rng()));
  std::vector<std::byte> dst(size);
  test_pipe p;
  const auto [wr, rd] = rt.block_on([&]() -> weft::task<std::pair<bool, bool>> {
    auto writer = weft::spawn(weft::io::write_all(p.w(), src));
    auto reader = weft::spawn(weft::io::read_exact(p.r(), dst));
    auto r = co_await reader;
    auto w = co_await writer;
    if (!r) std::printf("read_exact: %s\n", r.error().message().c_str());
    if (!w) std::printf("write_all: %s\n", w.error().message().c_str());
    co_return std::pair{static_cast<bool>(w), static_cast<bool>(r)};
  }());
  EXPECT_TRUE(wr);
  EXPECT_TRUE(rd);
  EXPECT_TRUE(src == dst) << "the stream was corrupted (seed " << seed << ")";

  // Many nops: retryable injected errors never reach the user.
  const long nops = weft::test::scaled(20'000, 10'000, 2'000);
  const long ok = rt.block_on([&]() -> weft::task<long> {
    std::vector<weft::join_handle<long>> hs;
    for (int t = 0; t < 16; ++t) {
      hs.push_back(weft::spawn([](long n) -> weft::task<long> {
        long good = 0;
        for (long i = 0; i < n; ++i) {
          auto r = co_await weft::io::nop();
          if (r) {
            ++good;
          } else {
            std::printf("nop failed: %s\n", r.error().message().c_str());
          }
        }
        co_return good;
      }(nops / 16)));
    }
    long good = 0;
    for (auto& h : hs) good += co_await h;
    co_return good;
  }());
  EXPECT_EQ(ok, nops / 16 * 16);
  std::printf("[faults] seed=%llu size=%zu enters_failed=%llu shortened=%llu errors=%llu\n",
              static_cast<unsigned long long>(seed), size,
              static_cast<unsigned long long>(stats->enters_failed.load()),
              static_cast<unsigned long long>(stats->shortened.load()),
              static_cast<unsigned long long>(stats->errors_injected.load()));
  EXPECT_GT(stats->enters_failed.load(), 0u);
  EXPECT_GT(stats->shortened.load(), 0u);
  EXPECT_GT(stats->errors_injected.load(), 0u);
}

TEST(IoFaultRingTest, CancelledOpIsNotResubmittedAfterARetryableError) {
  WEFT_SKIP_WITHOUT_IO_URING();
  // A read on an empty pipe dropped before submit becomes a NOP; when that NOP completes with
  // a retryable error (here injected; a real kernel returns -EINTR for cancelled io-wq work),
  // the driver must not resubmit the original read: nobody is left to cancel it, and the
  // dropping holder waits for its completion (the read borrows the buffer) — forever.
  const std::uint64_t seed = test_seed("IoFaultRingTest.CancelledOpIsNotResubmitted");
  weft::test::watchdog dog(30s, "cancelled op resubmitted after a retryable error");
  weft::testing::fault_plan plan;
  plan.seed = seed;
  plan.error_rate = 0.5;
  plan.errors = {EAGAIN, EINTR};
  auto stats = std::make_shared<weft::testing::fault_stats>();
  weft::io::ring_maker o = weft::testing::faulty_ring_maker(plan, stats);
  auto rt = weft::runtime::builder().current_thread().driver(weft::io::uring_driver_factory(o)).build();
  test_pipe p;
  rt.block_on([&]() -> weft::task<void> {
    std::array<std::byte, 8> buf{};
    for (int i = 0; i < 64; ++i) {
      (void)co_await weft::test::poll_once_then_drop(weft::io::read(p.r(), buf));
    }
  }());
  EXPECT_GT(stats->errors_injected.load(), 0u);
  // Nothing was read: the pipe is empty and every dropped read ended.
  EXPECT_EQ(weft::test::drain(p.r()), 0u);
}

TEST(IoFaultRingTest, DropsAtRandomMomentsUnderFaultsKeepTheLedger) {
  WEFT_SKIP_WITHOUT_IO_URING();
  const std::uint64_t seed = test_seed("IoFaultRingTest.DropsAtRandomMoments");
  weft::test::watchdog dog(60s, "drops under faults");
  const long tasks = weft::test::scaled(2'000, 1'000, 300);
  weft::testing::fault_plan plan;
  plan.seed = seed;
  plan.enter_error_rate = 0.05;
  plan.short_rate = 0.3;
  plan.error_rate = 0.2;
  auto stats = std::make_shared<weft::testing::fault_stats>();
  auto ledger = std::make_shared<io_ledger>();
  weft::io::ring_maker o = [plan, stats, ledger, n = std::make_shared<std::atomic<std::uint64_t>>(0)](
                    unsigned sq, unsigned cq) -> std::unique_ptr<weft::io::ring> {
    weft::testing::fault_plan pl = plan;
    pl.seed = plan.seed + n->fetch_add(1);
    return std::make_unique<weft::test::ledger_ring>(
        std::make_unique<weft::testing::fault_ring>(std::make_unique<weft::io::uring_ring>(sq, cq), pl,
                                               stats),
        ledger);
  };
  std::vector<std::unique_ptr<test_pipe>> pipes;
  for (int i = 0; i < 8; ++i) pipes.push_back(std::make_unique<test_pipe>());
  {
    auto rt = weft::runtime::builder().workers(2).driver(weft::io::uring_driver_factory(o)).build();
    rt.block_on([&]() -> weft::task<void> {
      std::vector<weft::join_handle<void>> hs;
      for (long i = 0; i < tasks; ++i) {
        hs.push_back(weft::spawn([](long id, test_pipe* pp) -> weft::task<void> {
          std::array<std::byte, 4> buf{};
          std::minstd_rand rng(static_cast<unsigned>(id) + 7);
          for (int k = 0; k < 4; ++k) {
            const int polls = 1 + static_cast<int>(rng() % 5);
            if (rng() % 2 == 0) {
              (void)co_await weft::test::drop_after_polls(weft::io::read(pp->r(), buf), polls);
            } else {
              (void)co_await weft::test::drop_after_polls(
                  weft::io::write(pp->w(), std::span(buf).first(1 + rng() % 4)), polls);
            }
          }
        }(i, pipes[static_cast<std::size_t>(i) % pipes.size()].get())));
      }
      for (auto& h : hs) co_await h;
    }());
  }
  long long left = 0;
  for (auto& pp : pipes) left += static_cast<long long>(weft::test::drain(pp->r()));
  EXPECT_EQ(ledger->of(IORING_OP_WRITE).bytes, ledger->of(IORING_OP_READ).bytes + left)
      << ledger->summary();
  EXPECT_EQ(ledger->outstanding(), 0) << ledger->summary();
  EXPECT_EQ(ledger->orphans(), 0) << ledger->summary();
  EXPECT_GT(stats->errors_injected.load(), 0u);
}

} // namespace
