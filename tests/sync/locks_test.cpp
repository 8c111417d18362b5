// tests/sync/locks_test.cpp: semaphore, mutex, rwlock, barrier and once_cell: FIFO order,
// try_ forms, close, dropped waiters (select losers) that pass what they were handed on,
// and cross-thread mutual exclusion.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sync_support.hpp"
#include "weft/core/select.hpp"
#include "weft/sync/barrier.hpp"
#include "weft/sync/mutex.hpp"
#include "weft/sync/once_cell.hpp"
#include "weft/sync/rwlock.hpp"
#include "weft/sync/semaphore.hpp"

namespace {

using namespace std::chrono_literals;
using weft::sync::semaphore;

weft::context& noop_cx() {
  static weft::waker w = weft::noop_waker();
  static weft::context cx(w);
  return cx;
}

TEST(SemaphoreTest, TryAcquireAndPermitsReturnOnScopeExit) {
  semaphore s(2);
  {
    auto a = s.try_acquire();
    auto b = s.try_acquire();
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(s.try_acquire());
    EXPECT_EQ(s.available_permits(), 0u);
  }
  EXPECT_EQ(s.available_permits(), 2u);
  auto many = s.try_acquire(2);
  ASSERT_TRUE(many);
  EXPECT_EQ(many->count(), 2u);
  many->forget();
  EXPECT_EQ(s.available_permits(), 0u);
  s.add_permits(1);
  EXPECT_EQ(s.available_permits(), 1u);
}

TEST(SemaphoreTest, WaitersAreServedInFifoOrderAndBigRequestsAreNotOvertaken) {
  auto rt = weft::test::current_thread_rt();
  semaphore s(0);
  std::vector<int> order;
  auto waiter = [](semaphore& sem, std::size_t n, int id, std::vector<int>& out) -> weft::task<void> {
    auto p = co_await sem.acquire_many(n);
    out.push_back(id);
  };
  auto a = rt.spawn(waiter(s, 2, 1, order));
  auto b = rt.spawn(waiter(s, 1, 2, order));
  rt.block_on(weft::yield_now());
  s.add_permits(1);  // not enough for the front (2): the 1-permit waiter behind must wait
  rt.block_on(weft::yield_now());
  EXPECT_TRUE(order.empty());
  EXPECT_FALSE(s.try_acquire()) << "try_acquire must not barge past queued waiters";
  s.add_permits(1);
  rt.block_on(std::move(a));
  rt.block_on(std::move(b));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(SemaphoreTest, CloseFailsWaitersAndLaterAcquires) {
  auto rt = weft::test::current_thread_rt();
  semaphore s(0);
  auto h = rt.spawn([](semaphore& sem) -> weft::task<bool> {
    co_return (co_await sem.acquire()).has_value();
  }(s));
  rt.block_on(weft::yield_now());
  s.close();
  EXPECT_FALSE(rt.block_on(std::move(h)));
  EXPECT_TRUE(s.is_closed());
  EXPECT_FALSE(rt.block_on(s.acquire()).has_value());
}

TEST(SemaphoreTest, ADroppedGrantedWaiterPassesThePermitOn) {
  auto rt = weft::test::current_thread_rt();
  semaphore s(0);
  auto first = std::make_unique<semaphore::acquire_future>(s.acquire());
  EXPECT_TRUE(first->poll(noop_cx()).is_pending());
  auto second = rt.spawn([](semaphore& sem) -> weft::task<bool> {
    co_return (co_await sem.acquire()).has_value();
  }(s));
  rt.block_on(weft::yield_now());
  s.add_permits(1);  // handed to `first`
  first.reset();     // dropped before it took it: passes to `second`
  EXPECT_TRUE(rt.block_on(std::move(second)));
  EXPECT_EQ(s.available_permits(), 1u);
}

TEST(SemaphoreTest, AcquireLosingASelectLeavesTheQueue) {
  auto rt = weft::test::current_thread_rt();
  semaphore s(0);
  auto idx = rt.block_on([](semaphore& sem) -> weft::task<std::size_t> {
    auto r = co_await weft::select(sem.acquire(), weft::yield_now());
    co_return r.index();
  }(s));
  EXPECT_EQ(idx, 1u);
  s.add_permits(1);
  EXPECT_TRUE(s.try_acquire()) << "no dead waiter in front";
}

TEST(MutexTest, LockTryLockAndFifoHandOver) {
  auto rt = weft::test::current_thread_rt();
  weft::sync::mutex<std::vector<int>> m;
  auto g = m.try_lock();
  ASSERT_TRUE(g);
  EXPECT_FALSE(m.try_lock());
  std::vector<weft::join_handle<void>> hs;
  for (int i = 0; i < 4; ++i) {
    hs.push_back(rt.spawn([](weft::sync::mutex<std::vector<int>>& mu, int id) -> weft::task<void> {
      auto guard = co_await mu.lock();
      guard->push_back(id);
    }(m, i)));
  }
  rt.block_on(weft::yield_now());
  g.reset();
  for (auto& h : hs) rt.block_on(std::move(h));
  EXPECT_EQ(m.get_mut(), (std::vector<int>{0, 1, 2, 3}));
}

TEST(MutexTest, MutualExclusionAcrossThreads) {
  weft::test::with_deadline(60s, [] {
    auto rt = weft::test::two_workers_rt();
    struct counter {
      long n = 0;
      bool inside = false;
    };
    weft::sync::mutex<counter> m;
    std::vector<weft::join_handle<void>> hs;
    for (int t = 0; t < 4; ++t) {
      hs.push_back(rt.spawn([](weft::sync::mutex<counter>& mu, int seed) -> weft::task<void> {
        for (int i = 0; i < 5000; ++i) {
          auto g = co_await mu.lock();
          EXPECT_FALSE(g->inside);
          g->inside = true;
          if ((i + seed) % 16 == 0) co_await weft::yield_now();
          ++g->n;
          g->inside = false;
        }
      }(m, t)));
    }
    for (auto& h : hs) rt.block_on(std::move(h));
    EXPECT_EQ(m.get_mut().n, 20000);
  });
}

TEST(RwlockTest, ReadersShareWritersExclude) {
  auto rt = weft::test::current_thread_rt();
  weft::sync::rwlock<int> l(5);
  {
    auto r1 = l.try_read();
    auto r2 = l.try_read();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(**r1, 5);
    EXPECT_FALSE(l.try_write());
  }
  {
    auto w = rt.block_on(l.write());
    *w = 6;
    EXPECT_FALSE(l.try_read());
  }
  EXPECT_EQ(*rt.block_on(l.read()), 6);
}

TEST(RwlockTest, AQueuedWriterIsNotOvertakenByLaterReaders) {
  auto rt = weft::test::current_thread_rt();
  weft::sync::rwlock<int> l(0);
  auto r = l.try_read();
  std::vector<int> order;
  auto w = rt.spawn([](weft::sync::rwlock<int>& lk, std::vector<int>& o) -> weft::task<void> {
    auto g = co_await lk.write();
    o.push_back(1);
  }(l, order));
  rt.block_on(weft::yield_now());
  auto late = rt.spawn([](weft::sync::rwlock<int>& lk, std::vector<int>& o) -> weft::task<void> {
    auto g = co_await lk.read();
    o.push_back(2);
  }(l, order));
  rt.block_on(weft::yield_now());
  EXPECT_FALSE(l.try_read());
  r.reset();
  rt.block_on(std::move(w));
  rt.block_on(std::move(late));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(BarrierTest, ReleasesTheGroupWithOneLeader) {
  auto rt = weft::test::current_thread_rt();
  weft::sync::barrier b(3);
  std::vector<weft::join_handle<bool>> hs;
  for (int i = 0; i < 6; ++i) {
    hs.push_back(rt.spawn([](weft::sync::barrier& br) -> weft::task<bool> {
      co_return (co_await br.wait()).is_leader;
    }(b)));
  }
  int leaders = 0;
  for (auto& h : hs) leaders += rt.block_on(std::move(h)) ? 1 : 0;
  EXPECT_EQ(leaders, 2);
}

TEST(BarrierTest, ADroppedWaitTakesItsArrivalBack) {
  auto rt = weft::test::current_thread_rt();
  weft::sync::barrier b(2);
  {
    auto f = b.wait();
    EXPECT_TRUE(f.poll(noop_cx()).is_pending());
  }
  auto h = rt.spawn([](weft::sync::barrier& br) -> weft::task<bool> {
    co_return (co_await br.wait()).is_leader;
  }(b));
  rt.block_on(weft::yield_now());
  EXPECT_FALSE(h.is_finished()) << "the dropped wait must not count";
  auto me = rt.block_on(b.wait());
  EXPECT_TRUE(me.is_leader);
  EXPECT_FALSE(rt.block_on(std::move(h)));
}

TEST(OnceCellTest, OneInitialiserRunsAndTheOthersWait) {
  auto rt = weft::test::current_thread_rt();
  weft::sync::once_cell<std::string> cell;
  int runs = 0;
  std::vector<weft::join_handle<std::string>> hs;
  for (int i = 0; i < 3; ++i) {
    hs.push_back(rt.spawn([](weft::sync::once_cell<std::string>& c, int& n) -> weft::task<std::string> {
      const std::string& v = co_await c.get_or_init([&n]() -> weft::task<std::string> {
        ++n;
        co_await weft::yield_now();
        co_return "ready";
      });
      co_return v;
    }(cell, runs)));
  }
  for (auto& h : hs) EXPECT_EQ(rt.block_on(std::move(h)), "ready");
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(cell.set("other"));
  EXPECT_EQ(*cell.get(), "ready");
}

TEST(OnceCellTest, ACancelledInitialiserLetsTheNextOneRun) {
  auto rt = weft::test::current_thread_rt();
  weft::sync::once_cell<int> cell;
  auto idx = rt.block_on([](weft::sync::once_cell<int>& c) -> weft::task<std::size_t> {
    auto init = [](weft::sync::once_cell<int>& cc) -> weft::task<int> {
      co_return co_await cc.get_or_init([]() -> weft::task<int> {
        co_await weft::yield_now();
        co_await weft::yield_now();
        co_return 1;
      });
    };
    auto r = co_await weft::select(init(c), weft::yield_now());
    co_return r.index();
  }(cell));
  EXPECT_EQ(idx, 1u);
  EXPECT_FALSE(cell.initialized());
  EXPECT_EQ(rt.block_on(cell.get_or_init([]() -> weft::task<int> { co_return 2; })), 2);
}

} // namespace
