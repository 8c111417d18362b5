// tests/sync/signal_test.cpp: notify (permit storage, notify_waiters, dropped waiters that
// pass a notification on, a cross-thread lost-wake hunt), broadcast (every receiver sees
// every value, lagged receivers, closed) and watch (borrow, changed, sender dropped).
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sync_support.hpp"
#include "weft/core/select.hpp"
#include "weft/sync/broadcast.hpp"
#include "weft/sync/notify.hpp"
#include "weft/sync/watch.hpp"

namespace {

using namespace std::chrono_literals;
using weft::sync::notify;

weft::context& noop_cx() {
  static weft::waker w = weft::noop_waker();
  static weft::context cx(w);
  return cx;
}

TEST(NotifyTest, NotifyOneStoresOnePermitWhenNobodyWaits) {
  notify n;
  n.notify_one();
  n.notify_one();  // still one permit
  auto a = n.notified();
  EXPECT_TRUE(a.poll(noop_cx()).is_ready());
  auto b = n.notified();
  EXPECT_TRUE(b.poll(noop_cx()).is_pending());
  n.notify_one();
  EXPECT_TRUE(b.poll(noop_cx()).is_ready());
}

TEST(NotifyTest, NotifyWaitersWakesEveryWaiterAndStoresNothing) {
  notify n;
  auto a = n.notified();
  auto b = n.notified();
  auto c = n.notified();  // made before the call, polled after: completes too
  EXPECT_TRUE(a.poll(noop_cx()).is_pending());
  EXPECT_TRUE(b.poll(noop_cx()).is_pending());
  n.notify_waiters();
  EXPECT_TRUE(a.poll(noop_cx()).is_ready());
  EXPECT_TRUE(b.poll(noop_cx()).is_ready());
  EXPECT_TRUE(c.poll(noop_cx()).is_ready());
  auto d = n.notified();
  EXPECT_TRUE(d.poll(noop_cx()).is_pending()) << "notify_waiters stores no permit";
}

TEST(NotifyTest, ADroppedNotifiedWaiterPassesTheNotificationOn) {
  notify n;
  auto first = std::make_unique<notify::notified_future>(n.notified());
  auto second = n.notified();
  EXPECT_TRUE(first->poll(noop_cx()).is_pending());
  EXPECT_TRUE(second.poll(noop_cx()).is_pending());
  n.notify_one();  // goes to `first`
  first.reset();   // a select loser: must hand it to `second`
  EXPECT_TRUE(second.poll(noop_cx()).is_ready());
  // and with nobody left, a dropped notified waiter turns it back into the permit
  auto third = std::make_unique<notify::notified_future>(n.notified());
  EXPECT_TRUE(third->poll(noop_cx()).is_pending());
  n.notify_one();
  third.reset();
  auto fourth = n.notified();
  EXPECT_TRUE(fourth.poll(noop_cx()).is_ready());
}

TEST(NotifyTest, NotifiedLosingASelectLeavesNoWaiter) {
  auto rt = weft::test::current_thread_rt();
  notify n;
  auto idx = rt.block_on([](notify& no) -> weft::task<std::size_t> {
    auto r = co_await weft::select(no.notified(), weft::yield_now());
    co_return r.index();
  }(n));
  EXPECT_EQ(idx, 1u);
  n.notify_one();  // stored as a permit, not swallowed by a dead waiter
  auto f = n.notified();
  EXPECT_TRUE(f.poll(noop_cx()).is_ready());
}

TEST(NotifyTest, CrossThreadLostWakeHunt) {
  const long rounds = weft::test::hunt_rounds() / 2;  // two notifies per round
  weft::test::with_deadline(180s, [rounds] {
    auto rt = weft::test::two_workers_rt();
    notify ping, pong;
    auto player = [](notify& in, notify& out, long n, bool serve, unsigned seed) -> weft::task<long> {
      std::minstd_rand rng(seed);
      long k = 0;
      if (serve) out.notify_one();
      for (long i = 0; i < n; ++i) {
        co_await in.notified();
        ++k;
        if (rng() % 8 == 0) co_await weft::yield_now();
        if (!serve || i + 1 < n) out.notify_one();
      }
      co_return k;
    };
    auto a = rt.spawn(player(pong, ping, rounds, true, 1));
    auto b = rt.spawn(player(ping, pong, rounds, false, 2));
    EXPECT_EQ(rt.block_on(std::move(a)), rounds);
    EXPECT_EQ(rt.block_on(std::move(b)), rounds);
  });
}

TEST(NotifyTest, SelectLosersAcrossThreadsNeverSwallowANotification) {
  // A waiter races notified() against yield_now in a loop; every notify_one must still
  // reach it (a lost one would hang the count).
  weft::test::with_deadline(120s, [] {
    auto rt = weft::test::two_workers_rt();
    notify n, ack;
    const long rounds = weft::test::scaled(20'000, 20'000, 5'000);
    auto waiter = rt.spawn([](notify& no, notify& ak, long k) -> weft::task<long> {
      long got = 0;
      while (got < k) {
        auto r = co_await weft::select(no.notified(), weft::yield_now());
        if (r.index() == 0) {
          ++got;
          ak.notify_one();
        }
      }
      co_return got;
    }(n, ack, rounds));
    rt.block_on([](notify& no, notify& ak, long k) -> weft::task<void> {
      for (long i = 0; i < k; ++i) {
        no.notify_one();
        co_await ak.notified();
      }
    }(n, ack, rounds));
    EXPECT_EQ(rt.block_on(std::move(waiter)), rounds);
  });
}

TEST(BroadcastTest, EveryReceiverSeesEveryValue) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx1] = weft::sync::broadcast<int>::channel(8);
  auto rx2 = tx.subscribe();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.send(i));
  { auto gone = std::move(tx); }
  auto drain = [](weft::sync::broadcast<int>::receiver& r) -> weft::task<std::vector<int>> {
    std::vector<int> out;
    for (;;) {
      auto v = co_await r.recv();
      if (v.is_closed()) break;
      out.push_back(*v);
    }
    co_return out;
  };
  EXPECT_EQ(rt.block_on(drain(rx1)), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(rt.block_on(drain(rx2)), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(BroadcastTest, ASlowReceiverIsToldItLaggedAndSendersNeverWait) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = weft::sync::broadcast<int>::channel(4);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(tx.send(i));  // never blocks
  auto r = rt.block_on(rx.recv());
  ASSERT_TRUE(r.is_lagged());
  EXPECT_EQ(r.lagged(), 6u);
  for (int i = 6; i < 10; ++i) EXPECT_EQ(*rt.block_on(rx.recv()), i);
}

TEST(BroadcastTest, SendFailsWithoutReceiversAndReceiversWake) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = weft::sync::broadcast<std::string>::channel(2);
  auto h = rt.spawn([](weft::sync::broadcast<std::string>::receiver r) -> weft::task<std::string> {
    auto v = co_await r.recv();
    co_return v ? v.take() : std::string("none");
  }(std::move(rx)));
  rt.block_on(weft::yield_now());
  EXPECT_TRUE(tx.send("x"));
  EXPECT_EQ(rt.block_on(std::move(h)), "x");
  auto [tx2, rx2] = weft::sync::broadcast<std::string>::channel(2);
  { auto gone = std::move(rx2); }
  auto f = tx2.send("y");
  EXPECT_TRUE(f.is_closed());
  EXPECT_EQ(f.take_value(), "y");
}

TEST(BroadcastTest, LaggedReceiversAcrossThreads) {
  weft::test::with_deadline(60s, [] {
    auto rt = weft::test::two_workers_rt();
    auto [tx, rx] = weft::sync::broadcast<long>::channel(16);
    auto rx2 = tx.subscribe();
    auto consume = [](weft::sync::broadcast<long>::receiver param, bool slow) -> weft::task<long> {
      auto r = std::move(param);
      long seen = 0, skipped = 0, last = -1;
      for (;;) {
        auto v = co_await r.recv();
        if (v.is_closed()) break;
        if (v.is_lagged()) {
          skipped += static_cast<long>(v.lagged());
          continue;
        }
        EXPECT_GT(*v, last);
        last = *v;
        ++seen;
        if (slow && seen % 4 == 0) weft::test::spin_for(std::chrono::microseconds(20));
      }
      co_return seen + skipped;
    };
    auto a = rt.spawn(consume(std::move(rx), false));
    auto b = rt.spawn(consume(std::move(rx2), true));
    rt.block_on([](weft::sync::broadcast<long>::sender param) -> weft::task<void> {
      auto s = std::move(param);
      for (long i = 0; i < 20000; ++i) {
        (void)s.send(i);
        if (i % 64 == 0) co_await weft::yield_now();
      }
    }(std::move(tx)));
    EXPECT_EQ(rt.block_on(std::move(a)), 20000);  // seen + lagged accounts for every value
    EXPECT_EQ(rt.block_on(std::move(b)), 20000);
  });
}

TEST(WatchTest, BorrowChangedAndSenderDropped) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = weft::sync::watch<int>::channel(1);
  EXPECT_EQ(*rx.borrow(), 1);
  EXPECT_FALSE(rx.has_changed());
  auto h = rt.spawn([](weft::sync::watch<int>::receiver r) -> weft::task<int> {
    int sum = 0;
    while (co_await r.changed()) sum += *r.borrow();
    co_return sum;
  }(rx));
  rt.block_on(weft::yield_now());
  EXPECT_TRUE(tx.send(5));
  rt.block_on(weft::yield_now());
  EXPECT_TRUE(rx.has_changed());
  EXPECT_EQ(*rx.borrow_and_update(), 5);
  EXPECT_FALSE(rx.has_changed());
  { auto gone = std::move(tx); }
  EXPECT_EQ(rt.block_on(std::move(h)), 5);
}

TEST(WatchTest, ChangedLosingASelectKeepsTheChangeForLater) {
  auto rt = weft::test::current_thread_rt();
  auto [tx, rx] = weft::sync::watch<int>::channel(0);
  auto idx = rt.block_on([](weft::sync::watch<int>::receiver& r) -> weft::task<std::size_t> {
    // (through a task<int>: g++ -O1 warns falsely on select's variant<bool, monostate>)
    auto changed = [](weft::sync::watch<int>::receiver& rr) -> weft::task<int> {
      co_return (co_await rr.changed()) ? 1 : 0;
    };
    auto s = co_await weft::select(changed(r), weft::yield_now());
    co_return s.index();
  }(rx));
  EXPECT_EQ(idx, 1u);
  EXPECT_TRUE(tx.send(3));
  EXPECT_TRUE(rt.block_on(rx.changed()));
  EXPECT_EQ(*rx.borrow(), 3);
}

} // namespace
