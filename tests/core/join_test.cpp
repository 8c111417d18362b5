// tests/core/join_test.cpp: join(f...) and try_join(f...): outputs, polling discipline,
// spurious polls, and try_join's cancellation of the others on the first error.
#include <gtest/gtest.h>

#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "weft/core/join.hpp"
#include "weft/core/ready.hpp"
#include "weft/core/result.hpp"
#include "weft/core/try_join.hpp"
#include "weft/core/yield_now.hpp"

namespace {

using weft::context;
using weft::result;
using weft::test::counting_waker;
using weft::test::lifetime_log;
using weft::test::manual_event;
using weft::test::track;

// Ready with `value` once `ev` is set.
template <class T> auto value_after(manual_event& ev, T value) {
  return weft::poll_fn([w = ev.wait(), value](context& cx) mutable -> weft::poll<T> {
    if (w.poll(cx).is_pending()) return weft::pending;
    return weft::ready(value);
  });
}

TEST(JoinTest, CompletesWithTheTupleOfOutputsAndMonostateForVoid) {
  manual_event ev;
  counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    auto j = weft::join(weft::ready(1), weft::yield_now(), value_after(ev, std::string("s")));
    static_assert(std::is_same_v<decltype(j)::output, std::tuple<int, std::monostate, std::string>>);
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_TRUE(j.poll(cx).is_pending());  // yield_now done, the event is not
    ev.set();
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    auto [a, b, c] = p.take();
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, std::monostate{});
    EXPECT_EQ(c, "s");
  }
  EXPECT_TRUE(target.balanced());
}

TEST(JoinTest, FinishedChildrenAreNotPolledAgain) {
  manual_event slow;
  int quick_polls = 0;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto j = weft::join(weft::poll_fn([&](context&) -> weft::poll<int> {
                        ++quick_polls;
                        return weft::ready(1);
                      }),
                      slow.wait());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(j.poll(cx).is_pending());
  EXPECT_EQ(slow.polls(), 5);
  slow.set();
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(std::get<0>(p.take()), 1);
  EXPECT_EQ(slow.polls(), 6);
  EXPECT_EQ(quick_polls, 1);
}

TEST(JoinTest, EachChildIsPolledOncePerJoinPollUntilItIsDone) {
  int polls_a = 0;
  int polls_b = 0;
  auto a = weft::poll_fn([&](context&) -> weft::poll<int> {
    ++polls_a;
    if (polls_a < 2) return weft::pending;
    return weft::ready(polls_a);
  });
  auto b = weft::poll_fn([&](context&) -> weft::poll<int> {
    ++polls_b;
    if (polls_b < 4) return weft::pending;
    return weft::ready(polls_b);
  });
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto j = weft::join(a, b);
  EXPECT_TRUE(j.poll(cx).is_pending());
  EXPECT_TRUE(j.poll(cx).is_pending());
  EXPECT_TRUE(j.poll(cx).is_pending());
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(polls_a, 2);  // not polled after it finished at the second join poll
  EXPECT_EQ(polls_b, 4);
  EXPECT_EQ(p.take(), std::make_tuple(2, 4));
}

TEST(JoinTest, SpuriousPollsAreHarmlessAndLeaveOneWakerStored) {
  manual_event first;
  manual_event second;
  counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    auto j = weft::join(first.wait(), second.wait());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(target.clones(), 2);  // one stored per pending child, not one per poll
    EXPECT_EQ(target.total_wakes(), 0);
    second.set();
    EXPECT_EQ(target.wakes(), 1);
    first.set();
    EXPECT_EQ(target.wakes(), 2);
    EXPECT_TRUE(j.poll(cx).is_ready());
  }
  EXPECT_TRUE(target.balanced());
}

TEST(JoinTest, RunsToCompletionOnAnExecutorWithWakesOnly) {
  weft::test::manual_executor ex;
  manual_event ev;
  auto out = ex.spawn(weft::join(weft::yield_now(), value_after(ev, 7), weft::ready(8)));
  ex.run_until_stalled();
  EXPECT_FALSE(out->has_value());
  EXPECT_EQ(ex.queued(), 0u);
  ev.set();
  EXPECT_EQ(ex.queued(), 1u);
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(std::get<1>(**out), 7);
  EXPECT_EQ(std::get<2>(**out), 8);
}

TEST(JoinTest, DroppingTheJoinDropsEveryChild) {
  lifetime_log log;
  manual_event ev;
  {
    weft::waker w = weft::noop_waker();
    context cx(w);
    auto j = weft::join(track(ev.wait(), log, 0), track(weft::never<int>(), log, 1));
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(log.live(), 2);
  }
  EXPECT_EQ(log.live(), 0);
}

// --- try_join -----------------------------------------------------------------------------

template <class T> auto result_after(manual_event& ev, result<T> r) {
  return weft::poll_fn([w = ev.wait(), r](context& cx) mutable -> weft::poll<result<T>> {
    if (w.poll(cx).is_pending()) return weft::pending;
    return weft::poll<result<T>>(std::in_place, r);
  });
}

TEST(TryJoinTest, AllOkGivesTheTupleOfValues) {
  manual_event ev;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto j = weft::try_join(weft::ready(result<int>(1)), result_after(ev, result<std::string>("x")),
                          weft::ready(result<void>()));
  static_assert(std::is_same_v<decltype(j)::output,
                               result<std::tuple<int, std::string, std::monostate>>>);
  EXPECT_TRUE(j.poll(cx).is_pending());
  ev.set();
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  auto r = p.take();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::get<0>(*r), 1);
  EXPECT_EQ(std::get<1>(*r), "x");
}

TEST(TryJoinTest, FirstErrorCompletesAndDestroysTheOthersAtOnce) {
  lifetime_log log;
  manual_event fail;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto j = weft::try_join(track(weft::never<result<int>>(), log, 0),
                          track(result_after(fail, result<int>(std::errc::broken_pipe)), log, 1),
                          track(weft::never<result<void>>(), log, 2));
  EXPECT_TRUE(j.poll(cx).is_pending());
  EXPECT_EQ(log.live(), 3);
  fail.set();
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  // The others are gone now, while the try_join itself is still alive.
  EXPECT_EQ(log.live(), 0);
  auto r = p.take();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), std::errc::broken_pipe);
}

TEST(TryJoinTest, OnATieTheFirstErrorWinsAndLaterChildrenAreNotPolled) {
  int later_polls = 0;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto j = weft::try_join(weft::ready(result<int>(std::errc::timed_out)),
                          weft::ready(result<int>(std::errc::connection_reset)),
                          weft::poll_fn([&](context&) -> weft::poll<result<int>> {
                            ++later_polls;
                            return weft::pending;
                          }));
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take().error(), std::errc::timed_out);
  EXPECT_EQ(later_polls, 0);
}

TEST(TryJoinTest, SuccessfulChildrenAreReleasedEarly) {
  lifetime_log log;
  manual_event ev;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto j = weft::try_join(track(weft::ready(result<int>(1)), log, 0),
                          track(result_after(ev, result<int>(2)), log, 1));
  EXPECT_TRUE(j.poll(cx).is_pending());
  EXPECT_EQ(log.live(), 1);  // the finished child was destroyed
  EXPECT_EQ(log.destroy_order(), std::vector<int>{0});
  ev.set();
  auto p = j.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take().value(), std::make_tuple(1, 2));
}

TEST(TryJoinTest, SpuriousPollsAreHarmless) {
  manual_event a;
  manual_event b;
  counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    auto j = weft::try_join(result_after(a, result<int>(1)), result_after(b, result<int>(2)));
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(j.poll(cx).is_pending());
    a.set();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(j.poll(cx).is_pending());
    b.set();
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.take().value(), std::make_tuple(1, 2));
    EXPECT_EQ(a.polls(), 51);  // not polled after it finished
  }
  EXPECT_TRUE(target.balanced());
}

} // namespace
