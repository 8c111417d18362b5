// tests/sync/oneshot_test.cpp: oneshot<T>: value hand-off, sender dropped, receiver closed,
// try_recv, closed(), losers of a select, and a cross-thread lost-wake hunt.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sync_support.hpp"
#include "weft/core/select.hpp"
#include "weft/sync/oneshot.hpp"

namespace {

using namespace std::chrono_literals;
using weft::sync::oneshot;

TEST(OneshotTest, DeliversTheValue) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = oneshot<std::string>::channel();
  auto h = rt.spawn([](oneshot<std::string>::receiver r) -> weft::task<std::optional<std::string>> {
    co_return co_await r;
  }(std::move(rx)));
  EXPECT_TRUE(tx.send("hi"));
  EXPECT_FALSE(tx.valid());
  EXPECT_EQ(rt.block_on(std::move(h)), std::optional<std::string>("hi"));
}

TEST(OneshotTest, ReceiverSeesTheSenderDropped) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = oneshot<int>::channel();
  auto h = rt.spawn([](oneshot<int>::receiver r) -> weft::task<std::optional<int>> {
    co_return co_await r;
  }(std::move(rx)));
  rt.block_on(weft::yield_now());
  { auto gone = std::move(tx); }
  EXPECT_EQ(rt.block_on(std::move(h)), std::nullopt);
}

TEST(OneshotTest, SendFailsWithTheValueOnceTheReceiverIsGone) {
  auto [tx, rx] = oneshot<std::unique_ptr<int>>::channel();
  EXPECT_FALSE(tx.is_closed());
  { auto gone = std::move(rx); }
  EXPECT_TRUE(tx.is_closed());
  auto r = tx.send(std::make_unique<int>(7));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.is_closed());
  EXPECT_EQ(*r.take_value(), 7);
}

TEST(OneshotTest, TryRecvReportsEmptyValueAndDisconnected) {
  auto [tx, rx] = oneshot<int>::channel();
  EXPECT_TRUE(rx.try_recv().is_empty());
  EXPECT_TRUE(tx.send(3));
  auto r = rx.try_recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
  EXPECT_TRUE(rx.try_recv().is_disconnected());
  auto [tx2, rx2] = oneshot<int>::channel();
  { auto gone = std::move(tx2); }
  EXPECT_TRUE(rx2.try_recv().is_disconnected());
}

TEST(OneshotTest, CloseRefusesLaterSendsAndWakesClosed) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = oneshot<int>::channel();
  auto h = rt.spawn([](oneshot<int>::sender s) -> weft::task<bool> {
    co_await s.closed();
    co_return s.is_closed();
  }(std::move(tx)));
  rt.block_on(weft::yield_now());
  rx.close();
  EXPECT_TRUE(rt.block_on(std::move(h)));
  EXPECT_TRUE(rx.try_recv().is_disconnected());
}

TEST(OneshotTest, ALosingReceiveInASelectLeavesTheValueForTheNextPoll) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = oneshot<int>::channel();
  auto out = rt.block_on([](oneshot<int>::receiver& r) -> weft::task<int> {
    auto s = co_await weft::select(weft::yield_now(), weft::test::ref(r));  // rx pending, yield wins 2nd poll
    co_return static_cast<int>(s.index());
  }(rx));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(tx.send(9));
  EXPECT_EQ(*rx.try_recv(), 9);
}

TEST(OneshotTest, CrossThreadLostWakeHunt) {
  const long rounds = weft::test::hunt_rounds();
  weft::test::with_deadline(120s, [rounds] {
    auto rt = weft::test::two_workers_rt();
    long got = rt.block_on(rt.spawn([](long n) -> weft::task<long> {
      std::minstd_rand rng(42);
      long sum = 0;
      for (long i = 0; i < n; ++i) {
        auto [tx, rx] = oneshot<long>::channel();
        const bool drop_it = rng() % 16 == 0;
        auto h = weft::spawn([](oneshot<long>::sender param, long v, bool d, unsigned y) -> weft::task<void> {
          auto s = std::move(param);  // dropped at co_return, not with the frame
          if (y % 4 == 0) co_await weft::yield_now();
          if (!d) (void)s.send(v);
        }(std::move(tx), i, drop_it, static_cast<unsigned>(rng())));
        if (rng() % 3 == 0) co_await weft::yield_now();
        auto v = co_await rx;
        EXPECT_EQ(v.has_value(), !drop_it);
        if (v) sum += *v;
        co_await h;
      }
      co_return sum;
    }(rounds)));
    EXPECT_GT(got, 0);
  });
}

} // namespace
