// tests/core/select_test.cpp: select(f...): the winner's index and output, losers destroyed
// before select completes, bias to the first argument on ties, spurious polls.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/lifetime_counter.hpp"
#include "support/manual_executor.hpp"
#include "weft/core/ready.hpp"
#include "weft/core/select.hpp"
#include "weft/core/yield_now.hpp"

namespace {

using weft::context;
using weft::test::counting_waker;
using weft::test::lifetime_log;
using weft::test::manual_event;
using weft::test::track;

TEST(SelectTest, OutputNamesTheWinnerByIndex) {
  manual_event a;
  manual_event b;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto s = weft::select(weft::never<int>(), b.wait(), weft::never<std::string>(), a.wait());
  static_assert(std::is_same_v<decltype(s)::output,
                               std::variant<int, std::monostate, std::string, std::monostate>>);
  EXPECT_TRUE(s.poll(cx).is_pending());
  a.set();
  auto p = s.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take().index(), 3u);
}

TEST(SelectTest, CarriesTheWinnersValue) {
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto s = weft::select(weft::never<int>(), weft::ready(std::string("won")));
  auto p = s.poll(cx);
  ASSERT_TRUE(p.is_ready());
  auto v = p.take();
  ASSERT_EQ(v.index(), 1u);
  EXPECT_EQ(std::get<1>(v), "won");
}

TEST(SelectTest, LosersAreDestroyedBeforeSelectCompletes) {
  lifetime_log log;
  manual_event win;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto s = weft::select(track(weft::never<int>(), log, 0), track(win.wait(), log, 1),
                        track(weft::never<void>(), log, 2));
  EXPECT_TRUE(s.poll(cx).is_pending());
  EXPECT_EQ(log.live(), 3);
  win.set();
  auto p = s.poll(cx);
  ASSERT_TRUE(p.is_ready());
  // Every child is gone at completion, with the select object still alive.
  EXPECT_EQ(log.live(), 0);
  std::vector<int> order = log.destroy_order();
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));  // each destroyed exactly once
  EXPECT_EQ(p.take().index(), 1u);
}

TEST(SelectTest, BiasedToTheFirstOnTiesAndLaterChildrenAreNotPolled) {
  int second_polls = 0;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto s = weft::select(weft::ready(1), weft::poll_fn([&](context&) -> weft::poll<int> {
                          ++second_polls;
                          return weft::ready(2);
                        }));
  auto p = s.poll(cx);
  ASSERT_TRUE(p.is_ready());
  auto v = p.take();
  EXPECT_EQ(v.index(), 0u);
  EXPECT_EQ(std::get<0>(v), 1);
  EXPECT_EQ(second_polls, 0);
}

TEST(SelectTest, BiasHoldsWhenBothBecomeReadyBetweenPolls) {
  manual_event a;
  manual_event b;
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto s = weft::select(a.wait(), b.wait());
  EXPECT_TRUE(s.poll(cx).is_pending());
  b.set();
  a.set();
  auto p = s.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take().index(), 0u);
}

TEST(SelectTest, SpuriousPollsAreHarmlessAndWakersBalance) {
  manual_event a;
  manual_event b;
  counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    auto s = weft::select(a.wait(), b.wait());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(a.polls(), 100);
    EXPECT_EQ(b.polls(), 100);
    EXPECT_EQ(target.clones(), 2);
    b.set();
    EXPECT_EQ(target.wakes(), 1);
    auto p = s.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.take().index(), 1u);
  }
  // `a` still holds its clone: the loser's leaf gave the waker to the event, which the
  // event keeps until it is set or destroyed.
  a.set();
  EXPECT_TRUE(target.balanced());
}

TEST(SelectTest, WakeOfAChildWakesTheSelectTask) {
  weft::test::manual_executor ex;
  manual_event ev;
  auto out = ex.spawn(weft::select(weft::never<int>(), ev.wait()));
  ex.run_until_stalled();
  EXPECT_FALSE(out->has_value());
  ev.set();
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ((*out)->index(), 1u);
}

TEST(SelectTest, YieldNowLosesToAReadyFuture) {
  weft::waker w = weft::noop_waker();
  context cx(w);
  auto s = weft::select(weft::yield_now(), weft::ready(5));
  auto p = s.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take().index(), 1u);
}

TEST(SelectTest, DroppingAnUnfinishedSelectDropsEveryChild) {
  lifetime_log log;
  {
    weft::waker w = weft::noop_waker();
    context cx(w);
    auto s = weft::select(track(weft::never<int>(), log, 0), track(weft::never<int>(), log, 1));
    EXPECT_TRUE(s.poll(cx).is_pending());
  }
  EXPECT_EQ(log.live(), 0);
}

} // namespace
