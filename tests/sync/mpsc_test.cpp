// tests/sync/mpsc_test.cpp: bounded and unbounded mpsc: order, capacity, try_send/try_recv,
// permits, close and drop, recv_many, senders dropped while waiting (select losers),
// bounded memory under a slow consumer, and cross-thread lost-wake hunts.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sync_support.hpp"
#include "weft/core/select.hpp"
#include "weft/sync/mpsc.hpp"

namespace {

using namespace std::chrono_literals;
using weft::sync::mpsc;
using weft::test::counted;

weft::poll<std::optional<int>> poll_once(mpsc<int>::receiver& rx) {
  auto w = weft::noop_waker();
  weft::context cx(w);
  return rx.poll_recv(cx);
}

TEST(MpscTest, BoundedKeepsOrderAndCapacity) {
  auto [tx, rx] = mpsc<int>::channel(3);
  EXPECT_TRUE(tx.try_send(1));
  EXPECT_TRUE(tx.try_send(2));
  EXPECT_TRUE(tx.try_send(3));
  auto full = tx.try_send(4);
  ASSERT_FALSE(full);
  EXPECT_TRUE(full.is_full());
  EXPECT_EQ(full.take_value(), 4);
  EXPECT_EQ(*rx.try_recv(), 1);
  EXPECT_TRUE(tx.try_send(4));
  EXPECT_EQ(*rx.try_recv(), 2);
  EXPECT_EQ(*rx.try_recv(), 3);
  EXPECT_EQ(*rx.try_recv(), 4);
  EXPECT_TRUE(rx.try_recv().is_empty());
}

TEST(MpscTest, ManyLapsThroughANonPowerOfTwoRing) {
  auto [tx, rx] = mpsc<int>::channel(5);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(tx.try_send(i));
    if (i % 3 == 2) {
      for (int k = 0; k < 3; ++k) ASSERT_EQ(*rx.try_recv(), i - 2 + k);
    }
  }
}

TEST(MpscTest, RecvEndsOnceEverySenderIsGoneAndTheQueueIsDrained) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(4);
  auto tx2 = tx;
  EXPECT_TRUE(tx.try_send(1));
  EXPECT_TRUE(tx2.try_send(2));
  { auto a = std::move(tx); auto b = std::move(tx2); }
  auto got = rt.block_on([](mpsc<int>::receiver& r) -> weft::task<std::vector<int>> {
    std::vector<int> out;
    while (auto v = co_await r.recv()) out.push_back(*v);
    co_return out;
  }(rx));
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  EXPECT_TRUE(rx.try_recv().is_disconnected());
}

TEST(MpscTest, SendWaitsForCapacity) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(1);
  auto h = rt.spawn([](mpsc<int>::sender param) -> weft::task<int> {
    auto s = std::move(param);  // locals die at co_return, parameters only with the frame
    int sent = 0;
    for (int i = 0; i < 5; ++i) {
      if (!co_await s.send(i)) co_return -1;
      ++sent;
    }
    co_return sent;
  }(tx));
  { auto gone = std::move(tx); }
  std::vector<int> got;
  rt.block_on([](mpsc<int>::receiver& r, std::vector<int>& out) -> weft::task<void> {
    while (auto v = co_await r.recv()) out.push_back(*v);
  }(rx, got));
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(rt.block_on(std::move(h)), 5);
}

TEST(MpscTest, FailedSendsGiveTheValueBack) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<std::unique_ptr<int>>::channel(1);
  rx.close();
  EXPECT_TRUE(tx.is_closed());
  auto r = rt.block_on(tx.send(std::make_unique<int>(5)));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.is_closed());
  EXPECT_EQ(*r.take_value(), 5);
  auto t = tx.try_send(std::make_unique<int>(6));
  EXPECT_TRUE(t.is_closed());
  EXPECT_EQ(*t.take_value(), 6);
}

TEST(MpscTest, CloseWakesWaitingSendersAndKeepsQueuedValues) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(1);
  EXPECT_TRUE(tx.try_send(1));
  auto h = rt.spawn([](mpsc<int>::sender param) -> weft::task<int> {
    auto s = std::move(param);  // locals die at co_return, parameters only with the frame
    auto r = co_await s.send(2);
    co_return r ? 0 : r.take_value();
  }(tx));
  rt.block_on(weft::yield_now());
  rx.close();
  EXPECT_EQ(rt.block_on(std::move(h)), 2);
  EXPECT_EQ(*rx.try_recv(), 1);
  { auto gone = std::move(tx); }
  EXPECT_TRUE(rx.try_recv().is_disconnected());
}

TEST(MpscTest, PermitsReserveCapacityAndReturnItWhenDropped) {
  auto [tx, rx] = mpsc<int>::channel(2);
  auto p1 = tx.try_reserve();
  auto p2 = tx.try_reserve();
  ASSERT_TRUE(p1 && p2);
  EXPECT_FALSE(tx.try_reserve());
  EXPECT_TRUE(tx.try_send(9).is_full());
  p2->send(2);
  EXPECT_TRUE(rx.try_recv().is_empty()) << "the first permit holds its place";
  p1.reset();  // dropped unsent: skipped, capacity back
  EXPECT_EQ(*rx.try_recv(), 2);
  EXPECT_TRUE(tx.try_send(3));
  EXPECT_TRUE(tx.try_send(4));
  EXPECT_EQ(*rx.try_recv(), 3);
  EXPECT_EQ(*rx.try_recv(), 4);
}

TEST(MpscTest, ReserveWaitsAndFailsAfterClose) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(1);
  EXPECT_TRUE(tx.try_send(0));
  auto h = rt.spawn([](mpsc<int>::sender param) -> weft::task<bool> {
    auto s = std::move(param);  // locals die at co_return, parameters only with the frame
    auto p = co_await s.reserve();
    if (!p) co_return false;
    p->send(1);
    co_return true;
  }(tx));
  rt.block_on(weft::yield_now());
  EXPECT_EQ(*rx.try_recv(), 0);
  EXPECT_TRUE(rt.block_on(std::move(h)));
  EXPECT_EQ(*rx.try_recv(), 1);
  rx.close();
  EXPECT_FALSE(rt.block_on(tx.reserve()).has_value());
}

TEST(MpscTest, RecvManyTakesWhatIsThere) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(8);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.try_send(i));
  std::vector<int> out;
  EXPECT_EQ(rt.block_on(rx.recv_many(out, 3)), 3u);
  EXPECT_EQ(rt.block_on(rx.recv_many(out, 10)), 2u);
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3, 4}));
  { auto gone = std::move(tx); }
  EXPECT_EQ(rt.block_on(rx.recv_many(out, 10)), 0u);
}

TEST(MpscTest, ADroppedWaitingSenderPassesItsWakeOn) {
  // Two senders wait on a full channel; the first is woken by a freed slot but dropped
  // (it lost a select) before it retried: the second must get the slot.
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(1);
  EXPECT_TRUE(tx.try_send(0));
  auto w = weft::noop_waker();
  weft::context cx(w);
  auto first = std::make_unique<mpsc<int>::sender::send_future>(tx.send(1));
  EXPECT_TRUE(first->poll(cx).is_pending());
  auto second = rt.spawn([](mpsc<int>::sender param) -> weft::task<bool> {
    auto s = std::move(param);  // locals die at co_return, parameters only with the frame
    co_return static_cast<bool>(co_await s.send(2));
  }(tx));
  rt.block_on(weft::yield_now());
  EXPECT_EQ(*rx.try_recv(), 0);  // wakes `first` (front of the queue)
  first.reset();                 // dropped before retrying: the wake goes to `second`
  EXPECT_TRUE(rt.block_on(std::move(second)));
  EXPECT_EQ(*rx.try_recv(), 2);
}

TEST(MpscTest, SendLosingASelectWasNotSent) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(1);
  EXPECT_TRUE(tx.try_send(0));
  auto idx = rt.block_on([](mpsc<int>::sender& s) -> weft::task<std::size_t> {
    auto r = co_await weft::select(s.send(1), weft::yield_now());
    co_return r.index();
  }(tx));
  EXPECT_EQ(idx, 1u);
  EXPECT_EQ(*rx.try_recv(), 0);
  EXPECT_TRUE(rx.try_recv().is_empty());
  EXPECT_TRUE(tx.try_send(5)) << "the dropped send left no waiter behind";
}

TEST(MpscTest, RecvLosingASelectTakesNothing) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::channel(2);
  auto idx = rt.block_on([](mpsc<int>::receiver& r) -> weft::task<std::size_t> {
    auto s = co_await weft::select(r.recv(), weft::yield_now());
    co_return s.index();
  }(rx));
  EXPECT_EQ(idx, 1u);
  EXPECT_TRUE(tx.try_send(1));
  EXPECT_EQ(*rx.try_recv(), 1);
}

TEST(MpscTest, PollRecvIsPendingWhenEmpty) {
  auto [tx, rx] = mpsc<int>::channel(2);
  EXPECT_TRUE(poll_once(rx).is_pending());
  EXPECT_TRUE(tx.try_send(4));
  auto p = poll_once(rx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(**p, 4);
}

TEST(MpscTest, ValuesLeftInTheChannelAreDestroyed) {
  counted::reset();
  {
    auto [tx, rx] = mpsc<counted>::channel(4);
    EXPECT_TRUE(tx.try_send(counted(1)));
    EXPECT_TRUE(tx.try_send(counted(2)));
    auto p = tx.try_reserve();
    EXPECT_EQ(counted::live.load(), 2);
  }
  EXPECT_EQ(counted::live.load(), 0);
  {
    auto [tx, rx] = mpsc<counted>::unbounded();
    EXPECT_TRUE(tx.send(counted(1)));
  }
  EXPECT_EQ(counted::live.load(), 0);
}

TEST(MpscTest, UnboundedNeverWaits) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = mpsc<int>::unbounded();
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(tx.send(i));
  { auto gone = std::move(tx); }
  long sum = rt.block_on([](mpsc<int>::unbounded_receiver& r) -> weft::task<long> {
    long s = 0;
    while (auto v = co_await r.recv()) s += *v;
    co_return s;
  }(rx));
  EXPECT_EQ(sum, 10000L * 9999 / 2);
  auto [tx2, rx2] = mpsc<int>::unbounded();
  rx2.close();
  auto r = tx2.send(3);
  EXPECT_TRUE(r.is_closed());
  EXPECT_EQ(r.take_value(), 3);
}

TEST(MpscTest, MemoryStaysBoundedUnderASlowConsumer) {
  counted::reset();
  weft::test::with_deadline(60s, [] {
    auto rt = weft::test::two_workers_rt();
    constexpr std::size_t cap = 16;
    auto [tx, rx] = mpsc<counted>::channel(cap);
    std::vector<weft::join_handle<void>> hs;
    for (int p = 0; p < 4; ++p) {
      hs.push_back(rt.spawn([](mpsc<counted>::sender param) -> weft::task<void> {
    auto s = std::move(param);  // locals die at co_return, parameters only with the frame
        for (int i = 0; i < 2000; ++i) (void)co_await s.send(counted(i));
      }(tx)));
    }
    { auto gone = std::move(tx); }
    long n = rt.block_on([](mpsc<counted>::receiver& r) -> weft::task<long> {
      long k = 0;
      while (auto v = co_await r.recv()) {
        if (++k % 64 == 0) weft::test::spin_for(std::chrono::microseconds(50));  // slow
      }
      co_return k;
    }(rx));
    for (auto& h : hs) rt.block_on(std::move(h));
    EXPECT_EQ(n, 8000);
  });
  // cap in the ring + one per waiting send future (its own value) + temporaries in flight
  EXPECT_LE(counted::peak.load(), 16 + 4 * 3 + 2);
  EXPECT_EQ(counted::live.load(), 0);
}

// Lost-wake hunt: producers and a consumer on two workers, random yields, tiny capacity.
template <bool Unbounded> void hunt(long total, int producers, std::size_t cap) {
  weft::test::with_deadline(180s, [=] {
    auto rt = weft::test::two_workers_rt();
    auto run = [&](auto tx, auto rx) {
      std::vector<weft::join_handle<void>> hs;
      const long each = total / producers;
      for (int p = 0; p < producers; ++p) {
        hs.push_back(rt.spawn([](auto param, long n, unsigned seed) -> weft::task<void> {
          auto s = std::move(param);
          std::minstd_rand rng(seed);
          for (long i = 0; i < n; ++i) {
            if constexpr (Unbounded) {
              EXPECT_TRUE(s.send(i));
            } else {
              EXPECT_TRUE(co_await s.send(i));
            }
            if (rng() % 8 == 0) co_await weft::yield_now();
          }
        }(tx, each, static_cast<unsigned>(p + 1))));
      }
      { auto gone = std::move(tx); }
      // The consumer is spawned too: every hand-off is between workers (a block_on root
      // would be woken through a thread parker, far slower per hand-off).
      long got = rt.block_on(rt.spawn([](auto param) -> weft::task<long> {
        auto r = std::move(param);
        std::minstd_rand rng(99);
        long k = 0;
        while (auto v = co_await r.recv()) {
          ++k;
          if (rng() % 8 == 0) co_await weft::yield_now();
        }
        co_return k;
      }(std::move(rx))));
      for (auto& h : hs) rt.block_on(std::move(h));
      EXPECT_EQ(got, each * producers);
    };
    if constexpr (Unbounded) {
      auto [tx, rx] = mpsc<long>::unbounded();
      run(std::move(tx), std::move(rx));
    } else {
      auto [tx, rx] = mpsc<long>::channel(cap);
      run(std::move(tx), std::move(rx));
    }
  });
}

TEST(MpscTest, CrossThreadLostWakeHuntOneProducerCapacityOne) {
  hunt<false>(weft::test::hunt_rounds(), 1, 1);
}
TEST(MpscTest, CrossThreadLostWakeHuntFourProducers) {
  hunt<false>(weft::test::hunt_rounds(), 4, 3);
}
TEST(MpscTest, CrossThreadLostWakeHuntUnbounded) {
  hunt<true>(weft::test::hunt_rounds(), 2, 0);
}

TEST(MpscTest, ReceiverDroppedWhileSendersWaitAcrossThreads) {
  weft::test::with_deadline(60s, [] {
    auto rt = weft::test::two_workers_rt();
    for (int round = 0; round < 200; ++round) {
      auto [tx, rx] = mpsc<int>::channel(1);
      std::vector<weft::join_handle<int>> hs;
      for (int p = 0; p < 3; ++p) {
        hs.push_back(rt.spawn([](mpsc<int>::sender param) -> weft::task<int> {
    auto s = std::move(param);  // locals die at co_return, parameters only with the frame
          int fails = 0;
          for (int i = 0; i < 50; ++i) {
            if (!co_await s.send(i)) ++fails;
          }
          co_return fails;
        }(tx)));
      }
      { auto gone = std::move(tx); }
      rt.block_on([](mpsc<int>::receiver r, int k) -> weft::task<void> {
        for (int i = 0; i < k; ++i) (void)co_await r.recv();
      }(std::move(rx), round % 7));
      for (auto& h : hs) rt.block_on(std::move(h));  // all finish: none hangs on a dead rx
    }
  });
}

} // namespace
