// tests/stream/concurrency_test.cpp: streams across threads on the multi-thread runtime
// (run under TSan too): buffer_unordered / buffered over join handles of spawned tasks that
// yield and may finish on any worker; a generator whose awaited leaf is woken from a
// foreign thread (a lost wake-up hangs, and the watchdog fails the test); a receiver
// stream fed from a foreign thread.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "stream_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/core/yield_now.hpp"
#include "weft/stream.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;
namespace ws = weft::stream;

weft::task<std::uint64_t> work(std::uint64_t i) {
  for (std::uint64_t k = 0; k < i % 4; ++k) co_await weft::yield_now();
  co_return i;
}

TEST(StreamConcurrencyTest, BufferUnorderedOfSpawnedTasksAcrossThreads) {
  weft::test::watchdog dog(60s, "buffer_unordered of spawned tasks");
  const auto n = static_cast<std::uint64_t>(weft::test::scaled(50000, 10000, 2000));
  auto rt = weft::runtime::builder().workers(2).build();
  const auto [count, sum] = rt.block_on([](std::uint64_t total) -> weft::task<std::pair<std::uint64_t, std::uint64_t>> {
    co_return co_await (ws::iterate(std::uint64_t{0}, [](std::uint64_t x) { return x + 1; }) |
                        ws::take(total) |
                        ws::map([](std::uint64_t i) { return weft::spawn(work(i)); }) |
                        ws::buffer_unordered(16) |
                        ws::fold(std::pair<std::uint64_t, std::uint64_t>{0, 0},
                                 [](auto acc, std::uint64_t v) {
                                   return std::pair{acc.first + 1, acc.second + v};
                                 }));
  }(n));
  EXPECT_EQ(count, n);
  EXPECT_EQ(sum, n * (n - 1) / 2);
}

TEST(StreamConcurrencyTest, BufferedOfSpawnedTasksKeepsOrderAcrossThreads) {
  weft::test::watchdog dog(60s, "buffered of spawned tasks");
  const auto n = static_cast<std::uint64_t>(weft::test::scaled(20000, 5000, 1000));
  auto rt = weft::runtime::builder().workers(2).build();
  auto out = rt.block_on([](std::uint64_t total) -> weft::task<std::vector<std::uint64_t>> {
    co_return co_await (ws::iterate(std::uint64_t{0}, [](std::uint64_t x) { return x + 1; }) |
                        ws::take(total) |
                        ws::map([](std::uint64_t i) { return weft::spawn(work(i)); }) |
                        ws::buffered(8) | ws::collect());
  }(n));
  ASSERT_EQ(out.size(), n);
  for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], i);
}

weft::async_generator<int> handed(weft::test::handoff& h, int n) {
  for (int i = 0; i < n; ++i) {
    co_await h.take();
    co_yield i;
  }
}

TEST(StreamConcurrencyTest, GeneratorWokenFromAForeignThreadLosesNoWakeUp) {
  weft::test::watchdog dog(60s, "generator hand-offs");
  const int n = static_cast<int>(weft::test::scaled(20000, 4000, 2000));
  auto rt = weft::runtime::builder().workers(2).build();
  weft::test::handoff to_gen;
  weft::test::handoff back;
  std::thread feeder([&] {
    for (int i = 0; i < n; ++i) {
      to_gen.put();
      // Wait until the consumer took this item before offering the next one.
      rt.block_on(back.take());
    }
  });
  auto h = rt.handle().spawn([](weft::test::handoff& in, weft::test::handoff& ack, int count) -> weft::task<long> {
    long sum = 0;
    auto g = handed(in, count);
    while (auto v = co_await ws::next(g)) {
      sum += *v;
      ack.put();
    }
    co_return sum;
  }(to_gen, back, n));
  const long sum = rt.block_on(std::move(h));
  feeder.join();
  EXPECT_EQ(sum, static_cast<long>(n) * (n - 1) / 2);
}

TEST(StreamConcurrencyTest, ReceiverStreamFedFromAForeignThread) {
  weft::test::watchdog dog(60s, "receiver stream");
  const int n = static_cast<int>(weft::test::scaled(100000, 20000, 5000));
  weft::test::manual_feed<int> feed;
  auto rt = weft::runtime::builder().workers(2).build();
  std::thread producer([&] {
    for (int i = 0; i < n; ++i) {
      feed.push(i);
      if (i % 64 == 0) std::this_thread::yield();
    }
    feed.close();
  });
  auto h = rt.handle().spawn(ws::from_receiver(weft::test::fake_receiver<int>(feed)) |
                             ws::chunks(100) |
                             ws::fold(0L, [](long acc, std::vector<int> c) {
                               for (int v : c) acc += v;
                               return acc;
                             }));
  const long sum = rt.block_on(std::move(h));
  producer.join();
  EXPECT_EQ(sum, static_cast<long>(n) * (n - 1) / 2);
}

} // namespace
