// tests/fs/faults_test.cpp: fs::file over a fault-injecting ring (weft/testing/fault_ring.hpp):
// reads and writes cut short by the kernel (for real: the SQE's length is shrunk) and
// transient errors (EAGAIN, EINTR, ENOBUFS, ECANCELED) on any op: write_all_at, read_exact_at,
// fs::write and fs::read stay byte-exact, and only real errors reach the caller.
#include <gtest/gtest.h>

#include <weft/fs.hpp>
#include <weft/testing/fault_ring.hpp>

#include <memory>
#include <random>
#include <string>

#include "fs/fs_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
using weft::test::pattern;
using weft::test::temp_dir;
namespace fs = weft::fs;

TEST(FsFaultsTest, ShortCountsAndTransientErrorsStayByteExact) {
  weft::test::watchdog dog(60s, "fs faults");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  weft::testing::fault_plan plan;
  plan.seed = seed;
  plan.short_rate = 0.3;
  plan.error_rate = 0.1;
  plan.errors = {EAGAIN, EINTR, ENOBUFS};
  auto stats = std::make_shared<weft::testing::fault_stats>();
  weft::io::ring_maker o = weft::testing::faulty_ring_maker(plan, stats);
  auto rt = weft::runtime::builder().workers(2).driver(weft::io::uring_driver_factory(o)).build();
  temp_dir dir;
  const auto data = pattern((1U << 20) + 4097, seed);
  rt.block_on(rt.spawn([&]() -> task<void> {
    // Positional loops on one file.
    auto f =
        (co_await fs::file::open(dir / "a", fs::open_options().read(true).write(true).create(true)))
            .value();
    auto w = co_await f.write_all_at(data, 0);
    EXPECT_TRUE(w) << w.error.message();
    EXPECT_EQ(w.bytes_written, data.size());
    std::vector<std::byte> back(data.size());
    EXPECT_TRUE(co_await f.read_exact_at(back, 0));
    EXPECT_TRUE(back == data);
    // Many small ops, so the faults surely land: 4 KiB pieces, written then read back.
    for (std::size_t off = 0; off < data.size(); off += 4096) {
      const std::size_t n = std::min<std::size_t>(4096, data.size() - off);
      auto wp = co_await f.write_all_at(std::span(data).subspan(off, n), off);
      EXPECT_TRUE(wp) << wp.error.message();
      auto rp = co_await f.read_exact_at(std::span(back).subspan(off, n), off);
      EXPECT_TRUE(rp) << rp.error().message();
    }
    EXPECT_TRUE(back == data);
    // Cursor loops.
    EXPECT_EQ(f.seek(0).value(), 0U);
    std::vector<std::byte> cur(data.size());
    EXPECT_TRUE(co_await f.read_exact(cur));
    EXPECT_TRUE(cur == data);
    (void)co_await f.close(); // a NOP'd close may report an injected error: not asserted
    // Whole-file helpers.
    EXPECT_TRUE(co_await fs::write(dir / "b", data));
    auto again = co_await fs::read(dir / "b");
    EXPECT_TRUE(again);
    if (again) {
      EXPECT_TRUE(*again == data);
    }
  }()));
  EXPECT_GT(stats->shortened.load(), 0U);
  EXPECT_GT(stats->errors_injected.load(), 0U);
}

} // namespace
