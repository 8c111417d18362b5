// tests/core/poll_test.cpp: poll<T> (ready, pending, void, reference) and the trivial futures
// ready(v), never<T>() and poll_fn(f).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "support/counting_waker.hpp"
#include "weft/core/future.hpp"
#include "weft/core/poll.hpp"
#include "weft/core/ready.hpp"

namespace {

using weft::context;

TEST(PollTest, PendingHoldsNoValue) {
  weft::poll<int> p = weft::pending;
  EXPECT_TRUE(p.is_pending());
  EXPECT_FALSE(p.is_ready());
  EXPECT_FALSE(static_cast<bool>(p));
}

TEST(PollTest, ReadyHoldsTheValue) {
  weft::poll<int> p = weft::ready(42);
  ASSERT_TRUE(p.is_ready());
  EXPECT_FALSE(p.is_pending());
  EXPECT_TRUE(static_cast<bool>(p));
  EXPECT_EQ(*p, 42);
  EXPECT_EQ(p.take(), 42);
}

TEST(PollTest, ReadyConvertsBetweenConstructibleTypes) {
  weft::poll<std::string> p = weft::ready("hello");
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p->size(), 5u);
  EXPECT_EQ(p.take(), "hello");
}

TEST(PollTest, TakeMovesAMoveOnlyValueOut) {
  weft::poll<std::unique_ptr<int>> p(std::in_place, std::make_unique<int>(7));
  std::unique_ptr<int> v = p.take();
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 7);
}

TEST(PollTest, VoidPollIsReadyOrPending) {
  weft::poll<void> pend = weft::pending;
  weft::poll<void> done = weft::ready();
  weft::poll<void> in_place(std::in_place);
  EXPECT_TRUE(pend.is_pending());
  EXPECT_TRUE(done.is_ready());
  EXPECT_TRUE(in_place.is_ready());
  static_assert(std::is_same_v<weft::poll<void>::value_type, void>);
}

TEST(PollTest, ReferencePollPointsAtTheReferent) {
  int x = 3;
  weft::poll<int&> p(std::in_place, x);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(&p.take(), &x);
  p.take() = 9;
  EXPECT_EQ(x, 9);

  weft::poll<int&> from_ready = weft::ready(std::ref(x));
  ASSERT_TRUE(from_ready.is_ready());
  EXPECT_EQ(&*from_ready, &x);

  weft::poll<int&> pend = weft::pending;
  EXPECT_TRUE(pend.is_pending());
}

TEST(PollTest, PollTypeConceptAcceptsOnlyPolls) {
  static_assert(weft::poll_type<weft::poll<int>>);
  static_assert(weft::poll_type<weft::poll<void>>);
  static_assert(weft::poll_type<weft::poll<int&>>);
  static_assert(!weft::poll_type<int>);
  static_assert(!weft::poll_type<std::optional<int>>);
}

struct not_a_future {
  int poll(context&) { return 0; }
};

TEST(FutureTest, ConceptAndOutputType) {
  static_assert(weft::future<weft::ready_value<int>>);
  static_assert(weft::future<weft::ready_value<void>>);
  static_assert(weft::future<weft::never<std::string>>);
  static_assert(!weft::future<not_a_future>);
  static_assert(!weft::future<int>);
  static_assert(std::is_same_v<weft::future_output_t<weft::ready_value<int>>, int>);
  static_assert(std::is_same_v<weft::future_output_t<weft::never<>>, void>);
}

TEST(ReadyTest, IsReadyOnTheFirstPollWithoutWaking) {
  weft::test::counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    auto f = weft::ready(std::string("v"));
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.take(), "v");

    auto v = weft::ready();
    EXPECT_TRUE(v.poll(cx).is_ready());
  }
  EXPECT_EQ(target.total_wakes(), 0);
  EXPECT_EQ(target.clones(), 0);
  EXPECT_TRUE(target.balanced());
}

TEST(NeverTest, StaysPendingAndKeepsNoWaker) {
  weft::test::counting_waker target;
  {
    weft::waker w = target.make_waker();
    context cx(w);
    weft::never<int> f;
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(f.poll(cx).is_pending());
  }
  EXPECT_EQ(target.clones(), 0);
  EXPECT_EQ(target.total_wakes(), 0);
  EXPECT_TRUE(target.balanced());
}

TEST(PollFnTest, CallsTheFunctionOncePerPollWithTheContext) {
  weft::test::counting_waker target;
  weft::waker w = target.make_waker();
  context cx(w);
  int calls = 0;
  const context* seen = nullptr;
  auto f = weft::poll_fn([&](context& c) -> weft::poll<int> {
    seen = &c;
    if (++calls < 3) return weft::pending;
    return weft::ready(calls * 10);
  });
  static_assert(std::is_same_v<weft::future_output_t<decltype(f)>, int>);
  EXPECT_TRUE(f.poll(cx).is_pending());
  EXPECT_TRUE(f.poll(cx).is_pending());
  auto p = f.poll(cx);
  ASSERT_TRUE(p.is_ready());
  EXPECT_EQ(p.take(), 30);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(seen, &cx);
}

TEST(PollFnTest, VoidFunctionMakesAVoidFuture) {
  weft::waker w = weft::noop_waker();
  context cx(w);
  bool ran = false;
  auto f = weft::poll_fn([&](context&) -> weft::poll<void> {
    ran = true;
    return weft::ready();
  });
  static_assert(std::is_void_v<weft::future_output_t<decltype(f)>>);
  EXPECT_FALSE(ran);  // lazy: nothing happens before the first poll
  EXPECT_TRUE(f.poll(cx).is_ready());
  EXPECT_TRUE(ran);
}

} // namespace
