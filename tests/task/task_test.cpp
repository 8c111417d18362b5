// tests/task/task_test.cpp: task<T> basics: laziness, co_return of values, void and
// references, awaiting leaf futures and child tasks, exceptions, and tasks inside the
// combinators.
#include <gtest/gtest.h>

#include <weft/version.hpp>

#include <weft/config.hpp>

#include <weft/task/thread_parker.hpp>

#include <weft/task/block_on.hpp>

#include <weft/task/task.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "weft/core.hpp"
#include "weft/task.hpp"

namespace {

using weft::context;
using weft::task;
using weft::test::counting_waker;
using weft::test::lifetime_log;
using weft::test::manual_event;

task<void> set_flag(bool& flag) {
  flag = true;
  co_return;
}

TEST(TaskTest, DoesNotStartUntilPolled) {
  bool started = false;
  auto t = set_flag(started);
  EXPECT_FALSE(started);
  EXPECT_TRUE(t.valid());
  EXPECT_FALSE(t.is_done());
  weft::waker w = weft::noop_waker();
  context cx(w);
  EXPECT_TRUE(t.poll(cx).is_ready());
  EXPECT_TRUE(started);
  EXPECT_TRUE(t.is_done());
}

task<int> lazy_parent(bool& child_started, bool& checked_before_await) {
  auto child = set_flag(child_started);
  checked_before_await = !child_started;
  co_await child;
  co_return child_started ? 1 : 0;
}

TEST(TaskTest, DoesNotStartUntilAwaited) {
  bool child_started = false;
  bool not_started_before_await = false;
  EXPECT_EQ(weft::block_on_current_thread(lazy_parent(child_started, not_started_before_await)),
            1);
  EXPECT_TRUE(not_started_before_await);
}

TEST(TaskTest, DefaultConstructedTaskIsEmpty) {
  task<int> t;
  EXPECT_FALSE(t.valid());
  EXPECT_FALSE(t.is_done());
}

task<int> forty_two() { co_return 42; }
task<std::string> greeting(std::string name) { co_return "hello " + name; }
task<std::unique_ptr<int>> boxed(int v) { co_return std::make_unique<int>(v); }
task<int&> ref_to(int& x) { co_return x; }

task<int> add_children() {
  int a = co_await forty_two();
  std::string s = co_await greeting("weft");
  std::unique_ptr<int> p = co_await boxed(8);
  co_return a + static_cast<int>(s.size()) + *p;
}

TEST(TaskTest, CoReturnsValues) {
  EXPECT_EQ(weft::block_on_current_thread(forty_two()), 42);
  EXPECT_EQ(weft::block_on_current_thread(greeting("you")), "hello you");
  auto p = weft::block_on_current_thread(boxed(5));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
  EXPECT_EQ(weft::block_on_current_thread(add_children()), 42 + 10 + 8);
}

task<void> bump(int& counter) {
  ++counter;
  co_return;
}
task<void> bump_three(int& counter) {
  co_await bump(counter);
  co_await bump(counter);
  co_await bump(counter);
}

TEST(TaskTest, CoReturnsVoid) {
  int counter = 0;
  weft::block_on_current_thread(bump_three(counter));
  EXPECT_EQ(counter, 3);
  static_assert(std::is_void_v<weft::future_output_t<task<void>>>);
}

task<int&> forward_ref(int& x) {
  int& r = co_await ref_to(x);
  co_return r;
}

TEST(TaskTest, CoReturnsReferences) {
  int x = 1;
  int& r = weft::block_on_current_thread(forward_ref(x));
  EXPECT_EQ(&r, &x);
  r = 5;
  EXPECT_EQ(x, 5);
  static_assert(std::is_same_v<weft::future_output_t<task<int&>>, int&>);
}

task<int> await_lvalue_task() {
  task<int> t = forty_two();
  int v = co_await t;
  co_return v + (t.is_done() ? 1 : 0);
}

TEST(TaskTest, AwaitsAnLvalueTaskAndLeavesItDone) {
  EXPECT_EQ(weft::block_on_current_thread(await_lvalue_task()), 43);
}

task<int> await_ready_leaves(int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) sum += co_await weft::ready(1);
  co_return sum;
}

TEST(TaskTest, ReadyLeavesDoNotSuspend) {
  auto t = await_ready_leaves(1000);
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto p = t.poll(cx);  // one poll: nothing was pending
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take(), 1000);
}

task<int> wait_then(manual_event& ev, int v) {
  co_await ev.wait();
  co_return v;
}

task<int> three_waits(manual_event& a, manual_event& b, manual_event& c) {
  int x = co_await wait_then(a, 1);
  co_await b.wait();
  int y = co_await wait_then(c, 10);
  co_return x + y;
}

TEST(TaskTest, AwaitsLeavesWokenFromAnotherThread) {
  manual_event a;
  manual_event b;
  manual_event c;
  std::thread setter([&] {
    for (manual_event* ev : {&a, &b, &c}) {
      // Wait until the task is pending on this event, so each wake crosses threads.
      while (!ev->has_waker()) std::this_thread::yield();
      ev->set();
    }
  });
  EXPECT_EQ(weft::block_on_current_thread(three_waits(a, b, c)), 11);
  setter.join();
}

TEST(TaskTest, YieldNowInsideBlockOnCompletes) {
  auto body = []() -> task<int> {
    int n = 0;
    for (int i = 0; i < 100; ++i) {
      co_await weft::yield_now();
      ++n;
    }
    co_return n;
  };
  EXPECT_EQ(weft::block_on_current_thread(body()), 100);
}

// --- exceptions -------------------------------------------------------------------------

struct deep_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

task<int> level3(manual_event* ev) {
  if (ev != nullptr) co_await ev->wait();
  throw deep_error("from level 3");
  co_return 0;
}
task<int> level2(manual_event* ev) {
  int v = co_await level3(ev);
  co_return v + 1;  // never reached
}
task<std::string> level1(manual_event* ev) {
  try {
    co_await level2(ev);
  } catch (const deep_error& e) {
    co_return std::string("caught: ") + e.what();
  }
  co_return "not thrown";
}

TEST(TaskExceptionTest, ReachesTheAwaiterThreeLevelsUp) {
  EXPECT_EQ(weft::block_on_current_thread(level1(nullptr)), "caught: from level 3");
}

TEST(TaskExceptionTest, ReachesTheAwaiterAfterASuspension) {
  manual_event ev;
  auto t = level1(&ev);
  weft::waker w = weft::noop_waker();
  context cx(w);
  EXPECT_TRUE(t.poll(cx).is_pending());
  ev.set();
  auto p = t.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take(), "caught: from level 3");
}

TEST(TaskExceptionTest, PropagatesOutOfBlockOn) {
  manual_event ev;
  std::thread setter([&] {
    while (!ev.has_waker()) std::this_thread::yield();
    ev.set();
  });
  EXPECT_THROW(weft::block_on_current_thread(level2(&ev)), deep_error);
  setter.join();
}

TEST(TaskExceptionTest, RethrownFromThePollThatFinishesAndTheTaskIsDone) {
  auto t = level2(nullptr);
  weft::waker w = weft::noop_waker();
  context cx(w);
  EXPECT_THROW((void)t.poll(cx), deep_error);
  EXPECT_TRUE(t.is_done());
}

// A leaf whose poll throws on its n-th poll.
struct throwing_leaf {
  int throw_at;
  int polls = 0;
  weft::poll<int> poll(context& cx) {
    if (++polls == throw_at) throw std::logic_error("leaf failed");
    cx.waker().wake_by_ref();
    return weft::pending;
  }
};

task<std::string> catch_leaf(int throw_at) {
  try {
    throwing_leaf leaf{throw_at};
    co_await leaf;
  } catch (const std::logic_error& e) {
    co_return e.what();
  }
  co_return "no throw";
}

TEST(TaskExceptionTest, LeafThrowingOnItsFirstPollReachesTheAwaiter) {
  EXPECT_EQ(weft::block_on_current_thread(catch_leaf(1)), "leaf failed");
}

TEST(TaskExceptionTest, LeafThrowingOnARepollReachesTheAwaiter) {
  EXPECT_EQ(weft::block_on_current_thread(catch_leaf(3)), "leaf failed");
}

// --- tasks as futures in the combinators ------------------------------------------------

task<int> tracked_wait(manual_event& ev, lifetime_log& log, int id) {
  weft::test::lifetime_token token(log, id);
  co_await ev.wait();
  co_return id;
}

TEST(TaskCombinatorTest, JoinOfTasks) {
  manual_event a;
  manual_event b;
  std::thread setter([&] {
    while (!a.has_waker() || !b.has_waker()) std::this_thread::yield();
    b.set();
    a.set();
  });
  auto [x, y] = weft::block_on_current_thread(weft::join(wait_then(a, 1), wait_then(b, 2)));
  setter.join();
  EXPECT_EQ(x, 1);
  EXPECT_EQ(y, 2);
}

TEST(TaskCombinatorTest, SelectCancelsTheLosingTask) {
  lifetime_log log;
  manual_event never_set;
  manual_event win;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto s = weft::select(tracked_wait(never_set, log, 0), tracked_wait(win, log, 1));
  EXPECT_TRUE(s.poll(cx).is_pending());
  EXPECT_EQ(log.live(), 2);
  win.set();
  auto p = s.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take().index(), 1u);
  EXPECT_EQ(log.live(), 0);  // the losing task's frame is gone
}

TEST(TaskCombinatorTest, JoinAllOfTasks) {
  std::vector<task<int>> tasks;
  for (int i = 0; i < 100; ++i) {
    tasks.push_back([](int v) -> task<int> {
      co_await weft::yield_now();
      co_return v * 2;
    }(i));
  }
  auto out = weft::block_on_current_thread(weft::join_all(std::move(tasks)));
  ASSERT_EQ(out.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], i * 2);
}

TEST(TaskCombinatorTest, TaskAwaitsACombinator) {
  auto body = []() -> task<int> {
    auto [a, b] = co_await weft::join(forty_two(), weft::ready(1));
    auto r = co_await weft::select(weft::never<int>(), weft::yield_now());
    co_return a + b + static_cast<int>(r.index());
  };
  EXPECT_EQ(weft::block_on_current_thread(body()), 44);
}

TEST(TaskTest, MayMoveBetweenThreadsBetweenPolls) {
  manual_event ev;
  auto t = wait_then(ev, 9);
  weft::waker w = weft::noop_waker();
  {
    context cx(w);
    ASSERT_TRUE(t.poll(cx).is_pending());
  }
  int result = 0;
  std::thread other([&] {
    ev.set();
    context cx(w);
    auto moved = std::move(t);
    auto p = moved.poll(cx);
    if (p.is_ready()) result = p.take();
  });
  other.join();
  EXPECT_EQ(result, 9);
}

TEST(TaskTest, RunsOnTheManualExecutor) {
  weft::test::manual_executor ex;
  manual_event ev;
  auto out = ex.spawn(wait_then(ev, 3));
  EXPECT_EQ(ex.run_until_stalled(), 1u);
  EXPECT_FALSE(out->has_value());
  ev.set();
  EXPECT_EQ(ex.run_until_stalled(), 1u);
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, 3);
}

} // namespace
