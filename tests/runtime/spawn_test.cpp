// tests/runtime/spawn_test.cpp: spawn and join basics (outputs, void, exceptions, outcomes,
// detach, is_finished), abort in every task state, exceptions of detached tasks reaching the
// runtime's hook, and the metrics counters.
#include <gtest/gtest.h>

#include <weft/runtime/spawn.hpp>

#include <weft/runtime/runtime.hpp>

#include <weft/runtime/metrics.hpp>

#include <weft/task/join_result.hpp>

#include <weft/task/join_handle.hpp>

#include <weft/runtime/driver.hpp>

#include <weft/runtime/config.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::drop_probe;
using weft::test::handoff;
using weft::test::parked_forever;
using weft::test::probe_stats;
using weft::test::wait_until;
using weft::test::waker_slot;

weft::runtime make_rt(std::size_t workers) { return weft::runtime::builder().workers(workers).build(); }

weft::task<int> answer() { co_return 42; }

weft::task<void> bump(std::atomic<int>* n) {
  n->fetch_add(1);
  co_return;
}

weft::task<int> throw_runtime_error() {
  throw std::runtime_error("boom");
  co_return 0;
}

weft::task<void> wait_then_bump(handoff* h, std::atomic<int>* n) {
  co_await h->take();
  n->fetch_add(1);
}

weft::task<void> wait_then_throw(handoff* h) {
  co_await h->take();
  throw std::logic_error("late boom");
}

// Never finishes; its frame holds the probe, so the probe dies exactly when the task's
// future is destroyed.
weft::task<void> parked_task(drop_probe probe, std::atomic<long>* polls, waker_slot* slot) {
  co_await parked_forever(slot, polls);
  (void)probe;
}

// ---- spawn and join ---------------------------------------------------------------------

TEST(RuntimeTest, SpawnedTaskRunsWithoutBeingAwaited) {
  auto rt = make_rt(2);
  std::atomic<int> ran{0};
  rt.spawn(bump(&ran)).detach();
  EXPECT_TRUE(wait_until([&] { return ran.load() == 1; }));
}

TEST(RuntimeTest, DroppedHandleDoesNotStopTheTask) {
  auto rt = make_rt(2);
  std::atomic<int> ran{0};
  {
    auto h = rt.spawn(bump(&ran));
  }
  EXPECT_TRUE(wait_until([&] { return ran.load() == 1; }));
}

TEST(RuntimeTest, AwaitingTheHandleGivesTheOutput) {
  auto rt = make_rt(2);
  EXPECT_EQ(rt.block_on(rt.spawn(answer())), 42);
}

TEST(RuntimeTest, AwaitingAVoidHandleWaitsForTheTask) {
  auto rt = make_rt(1);
  std::atomic<int> ran{0};
  rt.block_on(rt.spawn(bump(&ran)));
  EXPECT_EQ(ran.load(), 1);
}

TEST(RuntimeTest, AwaitingTheHandleRethrowsTheTaskException) {
  auto rt = make_rt(2);
  EXPECT_THROW(rt.block_on(rt.spawn(throw_runtime_error())), std::runtime_error);
}

weft::task<std::string> await_thrower_inside() {
  auto h = weft::spawn(throw_runtime_error());
  try {
    co_await h;
  } catch (const std::runtime_error& e) {
    co_return std::string("caught ") + e.what();
  }
  co_return "not thrown";
}

TEST(RuntimeTest, TaskAwaitingAHandleCatchesTheChildException) {
  auto rt = make_rt(2);
  EXPECT_EQ(rt.block_on(rt.spawn(await_thrower_inside())), "caught boom");
}

TEST(RuntimeTest, OutcomeReportsOkExceptionAndCancelled) {
  auto rt = make_rt(2);
  auto ok = rt.spawn(answer());
  auto r_ok = rt.block_on(ok.outcome());
  EXPECT_TRUE(r_ok.is_ok());
  EXPECT_FALSE(r_ok.is_exception());
  EXPECT_FALSE(r_ok.is_cancelled());
  EXPECT_EQ(std::move(r_ok).value(), 42);

  auto bad = rt.spawn(throw_runtime_error());
  auto r_bad = rt.block_on(bad.outcome());
  EXPECT_TRUE(r_bad.is_exception());
  EXPECT_FALSE(r_bad.is_ok());
  EXPECT_FALSE(r_bad.is_cancelled());
  EXPECT_NE(r_bad.exception(), nullptr);
  EXPECT_THROW(std::move(r_bad).value(), std::runtime_error);

  probe_stats stats;
  std::atomic<long> polls{0};
  auto parked = rt.spawn(parked_task(drop_probe(stats), &polls, nullptr));
  parked.abort();
  auto r_cancel = rt.block_on(parked.outcome());
  EXPECT_TRUE(r_cancel.is_cancelled());
  EXPECT_FALSE(r_cancel.is_ok());
  EXPECT_FALSE(r_cancel.is_exception());
  EXPECT_THROW(std::move(r_cancel).value(), weft::cancelled_error);
}

TEST(RuntimeTest, AwaitingAnAbortedHandleThrowsCancelledError) {
  auto rt = make_rt(1);
  probe_stats stats;
  auto h = rt.spawn(parked_task(drop_probe(stats), nullptr, nullptr));
  h.abort();
  EXPECT_THROW(rt.block_on(std::move(h)), weft::cancelled_error);
}

TEST(RuntimeTest, DetachedTaskKeepsRunning) {
  auto rt = make_rt(2);
  handoff go;
  std::atomic<int> ran{0};
  auto h = rt.spawn(wait_then_bump(&go, &ran));
  h.detach();
  EXPECT_FALSE(h.valid());
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ran.load(), 0);
  go.put();
  EXPECT_TRUE(wait_until([&] { return ran.load() == 1; }));
  EXPECT_TRUE(wait_until([&] { return rt.metrics().live_tasks == 0; }));
}

TEST(RuntimeTest, IsFinishedTurnsTrueOnlyAfterCompletion) {
  auto rt = make_rt(2);
  handoff go;
  std::atomic<int> ran{0};
  auto h = rt.spawn(wait_then_bump(&go, &ran));
  std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(h.is_finished());
  go.put();
  EXPECT_TRUE(wait_until([&] { return h.is_finished(); }));
  EXPECT_EQ(ran.load(), 1);
  rt.block_on(std::move(h));  // the output is still there to read
}

weft::task<bool> spawn_from_inside() {
  EXPECT_TRUE(weft::handle::current().valid());
  auto h = weft::spawn(answer());
  co_return (co_await h) == 42;
}

TEST(RuntimeTest, SpawnInsideATaskUsesTheCurrentRuntime) {
  auto rt = make_rt(2);
  EXPECT_TRUE(rt.block_on(rt.spawn(spawn_from_inside())));
  EXPECT_TRUE(rt.block_on(spawn_from_inside()));  // block_on's thread is inside the runtime too
}

TEST(RuntimeTest, SpawnOutsideAnyRuntimeThrowsSpawnError) {
  EXPECT_FALSE(weft::handle::try_current().valid());
  EXPECT_THROW((void)weft::spawn(answer()), weft::spawn_error);
}

// ---- abort in every state ---------------------------------------------------------------

// Spins inside its poll until `release` is set: keeps a worker busy without yielding.
struct hog_worker {
  std::atomic<bool>* started;
  std::atomic<bool>* release;
  weft::poll<void> poll(weft::context&) {
    started->store(true);
    wait_until([&] { return release->load(); }, 20s);
    return weft::ready();
  }
};

TEST(AbortTest, AbortBeforeTheFirstPollCancelsWithoutPolling) {
  auto rt = make_rt(1);
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  auto hog = rt.spawn(hog_worker{&started, &release});
  ASSERT_TRUE(wait_until([&] { return started.load(); }));

  probe_stats stats;
  std::atomic<long> polls{0};
  auto h = rt.spawn(parked_task(drop_probe(stats), &polls, nullptr));
  h.abort();  // still queued: the only worker is busy
  EXPECT_FALSE(h.is_finished());
  release.store(true);

  auto r = rt.block_on(h.outcome());
  EXPECT_TRUE(r.is_cancelled());
  EXPECT_EQ(polls.load(), 0) << "an aborted task was polled";
  EXPECT_EQ(stats.made(), 1);
  EXPECT_EQ(stats.destroyed(), 1);
  EXPECT_EQ(stats.destroyed_on(std::this_thread::get_id()), 0)
      << "the future was destroyed by the aborting thread, not a worker";
  rt.block_on(std::move(hog));
}

TEST(AbortTest, AbortWhileIdleDestroysTheFutureOnAWorker) {
  auto rt = make_rt(2);
  probe_stats stats;
  std::atomic<long> polls{0};
  auto h = rt.spawn(parked_task(drop_probe(stats), &polls, nullptr));
  ASSERT_TRUE(wait_until([&] { return polls.load() == 1; }));
  std::this_thread::sleep_for(2ms);  // let the poll end: the task is idle now
  EXPECT_EQ(stats.destroyed(), 0);
  h.abort();
  auto r = rt.block_on(h.outcome());
  EXPECT_TRUE(r.is_cancelled());
  EXPECT_EQ(polls.load(), 1);
  EXPECT_EQ(stats.destroyed(), 1);
  EXPECT_EQ(stats.destroyed_on(std::this_thread::get_id()), 0);
  EXPECT_TRUE(wait_until([&] { return rt.metrics().live_tasks == 0; }));
}

// Its poll says it started, waits until the test aborted it, then answers pending.
struct pending_after_abort {
  std::atomic<int>* phase;  // 0 → 1: polling; 2: the test aborted
  bool finish;              // answer ready instead (the abort comes too late)
  weft::poll<void> poll(weft::context&) {
    phase->store(1);
    wait_until([&] { return phase->load() == 2; }, 20s);
    if (finish) return weft::ready();
    return weft::pending;
  }
};

weft::task<void> run_pending_after_abort(drop_probe probe, std::atomic<int>* phase, bool finish,
                                         std::atomic<bool>* resumed) {
  co_await pending_after_abort{phase, finish};
  resumed->store(true);
  (void)probe;
}

TEST(AbortTest, AbortWhileRunningTakesEffectWhenThePollEnds) {
  auto rt = make_rt(2);
  probe_stats stats;
  std::atomic<int> phase{0};
  std::atomic<bool> resumed{false};
  auto h = rt.spawn(run_pending_after_abort(drop_probe(stats), &phase, false, &resumed));
  ASSERT_TRUE(wait_until([&] { return phase.load() == 1; }));
  h.abort();  // the task is running on a worker right now
  EXPECT_FALSE(h.is_finished());
  EXPECT_EQ(stats.destroyed(), 0) << "the future was destroyed while being polled";
  phase.store(2);
  auto r = rt.block_on(h.outcome());
  EXPECT_TRUE(r.is_cancelled());
  EXPECT_FALSE(resumed.load());
  EXPECT_EQ(stats.destroyed(), 1);
  EXPECT_EQ(stats.destroyed_on(std::this_thread::get_id()), 0);
}

TEST(AbortTest, AbortDuringTheFinalPollLetsTheTaskFinish) {
  auto rt = make_rt(2);
  probe_stats stats;
  std::atomic<int> phase{0};
  std::atomic<bool> resumed{false};
  auto h = rt.spawn(run_pending_after_abort(drop_probe(stats), &phase, true, &resumed));
  ASSERT_TRUE(wait_until([&] { return phase.load() == 1; }));
  h.abort();
  phase.store(2);
  auto r = rt.block_on(h.outcome());
  EXPECT_TRUE(r.is_ok());
  EXPECT_TRUE(resumed.load());
  EXPECT_EQ(stats.destroyed(), 1);
}

weft::task<void> abort_self(drop_probe probe, std::atomic<weft::join_handle<void>*>* self,
                            std::atomic<bool>* after_abort) {
  while (self->load() == nullptr) co_await weft::yield_now();
  self->load()->abort();
  co_await weft::yield_now();  // the next scheduling point: the task is cancelled here
  after_abort->store(true);
  (void)probe;
}

TEST(AbortTest, TaskCanAbortItselfThroughItsHandle) {
  auto rt = make_rt(2);
  probe_stats stats;
  std::atomic<weft::join_handle<void>*> self{nullptr};
  std::atomic<bool> after_abort{false};
  auto h = rt.spawn(abort_self(drop_probe(stats), &self, &after_abort));
  self.store(&h);
  auto r = rt.block_on(h.outcome());
  EXPECT_TRUE(r.is_cancelled());
  EXPECT_FALSE(after_abort.load());
  EXPECT_EQ(stats.destroyed(), 1);
  EXPECT_EQ(stats.destroyed_on(std::this_thread::get_id()), 0);
}

TEST(AbortTest, AbortAfterCompletionKeepsTheOutput) {
  auto rt = make_rt(2);
  auto h = rt.spawn(answer());
  ASSERT_TRUE(wait_until([&] { return h.is_finished(); }));
  h.abort();
  h.abort();
  EXPECT_TRUE(h.is_finished());
  EXPECT_EQ(rt.block_on(std::move(h)), 42);
}

TEST(AbortTest, AbortRacingWakesDestroysEachFutureExactlyOnce) {
  const long n = weft::test::scaled(4000, 2000, 1000);
  auto rt = make_rt(2);
  probe_stats stats;
  std::atomic<long> polls{0};
  std::vector<waker_slot> slots(static_cast<std::size_t>(n));
  std::vector<weft::join_handle<void>> handles;
  handles.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i)
    handles.push_back(rt.spawn(parked_task(drop_probe(stats), &polls, &slots[i])));
  ASSERT_TRUE(wait_until([&] {
    for (auto& s : slots)
      if (!s.has_waker()) return false;
    return true;
  }));

  std::vector<weft::waker> wakers;
  for (auto& s : slots) wakers.push_back(*s.take());
  std::atomic<bool> go{false};
  std::thread waker_thread([&] {
    while (!go.load()) {
    }
    for (int round = 0; round < 3; ++round)
      for (auto& w : wakers) w.wake_by_ref();
  });
  std::thread abort_thread([&] {
    while (!go.load()) {
    }
    for (auto& h : handles) h.abort();
  });
  go.store(true);
  waker_thread.join();
  abort_thread.join();

  for (auto& h : handles) EXPECT_TRUE(rt.block_on(h.outcome()).is_cancelled());
  EXPECT_EQ(stats.made(), n);
  EXPECT_EQ(stats.destroyed(), n);
  EXPECT_EQ(stats.destroyed_on(std::this_thread::get_id()), 0);
  for (auto& w : wakers) w.wake_by_ref();  // wakes after completion: no-ops
  wakers.clear();
  EXPECT_TRUE(wait_until([&] { return rt.metrics().live_tasks == 0; }));
}

// ---- exceptions of detached tasks -------------------------------------------------------

struct hook_log {
  std::mutex mu;
  std::vector<std::string> messages;
  void add(std::exception_ptr e) {
    std::string what;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
      what = "?";
    }
    std::lock_guard lock(mu);
    messages.push_back(what);
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return messages.size();
  }
};

// Catches whatever falls through to the process-wide hook during a test, and restores it.
class global_hook_capture {
public:
  global_hook_capture() {
    weft::set_unhandled_exception_hook([this](std::exception_ptr e) { log.add(e); });
  }
  ~global_hook_capture() { weft::set_unhandled_exception_hook(nullptr); }
  hook_log log;
};

TEST(UnhandledExceptionTest, DetachedTaskExceptionReachesTheRuntimeHook) {
  global_hook_capture global;
  hook_log log;
  auto rt = weft::runtime::builder()
                .workers(2)
                .on_unhandled_exception([&](std::exception_ptr e) { log.add(e); })
                .build();
  handoff go;
  rt.spawn(wait_then_throw(&go)).detach();
  go.put();
  ASSERT_TRUE(wait_until([&] { return log.size() == 1; }));
  EXPECT_EQ(log.messages[0], "late boom");
  EXPECT_EQ(global.log.size(), 0u);
  // The runtime keeps serving.
  EXPECT_EQ(rt.block_on(rt.spawn(answer())), 42);
}

TEST(UnhandledExceptionTest, ExceptionOfATaskThatFinishedBeforeDetachReachesTheRuntimeHook) {
  // detach() documents: "its exception, if any, goes to the runtime's hook". When the task
  // already finished, the handle drops the output itself (join_handle::release →
  // drop_output), which must report to the same hook.
  global_hook_capture global;
  hook_log log;
  auto rt = weft::runtime::builder()
                .workers(2)
                .on_unhandled_exception([&](std::exception_ptr e) { log.add(e); })
                .build();
  auto h = rt.spawn(throw_runtime_error());
  ASSERT_TRUE(wait_until([&] { return h.is_finished(); }));
  h.detach();
  EXPECT_EQ(log.size(), 1u) << "the exception went to the process-wide hook ("
                            << global.log.size() << " reports) instead of the runtime's";
}

TEST(UnhandledExceptionTest, ManyDetachedFailuresAreEachReportedOnce) {
  global_hook_capture global;
  hook_log log;
  auto rt = weft::runtime::builder()
                .workers(2)
                .on_unhandled_exception([&](std::exception_ptr e) { log.add(e); })
                .build();
  constexpr int n = 200;
  std::vector<handoff> gates(n);
  for (auto& g : gates) rt.spawn(wait_then_throw(&g)).detach();
  for (auto& g : gates) g.put();
  ASSERT_TRUE(wait_until([&] { return log.size() == n; }));
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(log.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(global.log.size(), 0u);
}

// ---- metrics ----------------------------------------------------------------------------

weft::task<void> spawn_children(int n) {
  std::vector<weft::join_handle<void>> hs;
  for (int i = 0; i < n; ++i) hs.push_back(weft::spawn([]() -> weft::task<void> {
    co_await weft::yield_now();
  }()));
  for (auto& h : hs) co_await h;
}

TEST(MetricsTest, PollsSpawnedAndCompletedCountersMove) {
  auto rt = make_rt(2);
  auto before = rt.metrics();
  ASSERT_EQ(before.workers.size(), 2u);
  EXPECT_EQ(before.live_tasks, 0u);

  std::atomic<int> ran{0};
  std::vector<weft::join_handle<void>> hs;
  for (int i = 0; i < 100; ++i) hs.push_back(rt.spawn(bump(&ran)));
  for (auto& h : hs) rt.block_on(std::move(h));
  rt.block_on(rt.spawn(spawn_children(50)));

  ASSERT_TRUE(wait_until([&] { return rt.metrics().live_tasks == 0; }));
  auto m = rt.metrics();
  std::uint64_t polls = 0, spawned = 0, completed = 0, parks = 0;
  for (auto& w : m.workers) {
    polls += w.polls;
    spawned += w.spawned;
    completed += w.completed;
    parks += w.parks;
  }
  EXPECT_EQ(m.spawned_outside, 101u);  // 100 + the spawn_children root
  EXPECT_EQ(spawned, 50u);             // spawned from a worker
  EXPECT_EQ(completed + m.completed_outside, 151u);
  EXPECT_GE(polls, 151u + 50u);  // every task once, the yielding ones twice
  EXPECT_GT(parks, 0u);
  EXPECT_EQ(m.inject_queue_depth, 0u);
}

} // namespace

namespace {

// Regression: task cells ignored the future's alignment, so an alignas(64) future landed at
// an address 32 mod 64 (undefined behaviour).
struct alignas(64) aligned_future {
  unsigned char state[64] = {};
  weft::poll<std::uintptr_t> poll(weft::context&) {
    return weft::ready(reinterpret_cast<std::uintptr_t>(this) % alignof(aligned_future));
  }
};

TEST(SpawnTest, AnOverAlignedFutureIsSpawnedAtItsAlignment) {
  auto rt = weft::runtime::builder().workers(1).build();
  for (int i = 0; i < 64; ++i) EXPECT_EQ(rt.block_on(rt.spawn(aligned_future{})), 0u);
  struct alignas(128) big {
    unsigned char b[128];
  };
  auto h = rt.spawn_blocking([b = big{}] {
    return reinterpret_cast<std::uintptr_t>(&b) % alignof(big);
  });
  EXPECT_EQ(rt.block_on(std::move(h)), 0u);
}

} // namespace

#include "support/counting_waker.hpp"

namespace {

// Regression: the waker a join handle stored (its joiner's) stayed with the joined task after
// the handle was dropped, until that task was freed; an aborted joiner's waker (and the task
// memory it keeps) lived as long as the task it had waited for.
TEST(JoinHandleTest, DroppingAWaitingHandleReleasesItsWakerAtOnce) {
  auto rt = weft::runtime::builder().workers(1).build();
  weft::test::handoff never_put;
  auto h = rt.spawn([](weft::test::handoff* g) -> weft::task<void> { co_await g->take(); }(
      &never_put));
  weft::test::counting_waker cw;
  {
    const weft::waker w = cw.make_waker();
    weft::context cx(w);
    EXPECT_TRUE(h.poll(cx).is_pending());
  }
  EXPECT_EQ(cw.live(), 1) << "the handle stored a clone of the waker";
  { auto dropped = std::move(h); }
  EXPECT_EQ(cw.live(), 0) << "the stored waker outlived the join handle";
  never_put.put();
}

} // namespace

namespace {
weft::task<std::string> holds_its_parameter(drop_probe probe, std::string s) {
  (void)probe;
  co_return s + "!";
}
weft::task<void> holds_its_parameter_void(drop_probe probe) {
  (void)probe;
  co_return;
}
weft::task<int> throws_holding_its_parameter(drop_probe probe) {
  (void)probe;
  throw std::runtime_error("boom");
  co_return 0;
}
}  // namespace

TEST(SpawnTest, AFinishedTaskReleasesItsParametersBeforeItsHandleIsRead) {
  // Like a Rust future dropped on completion: what the coroutine holds (a channel sender, a
  // socket, a guard moved in as a parameter) goes when the task ends, not when the join
  // handle is read; otherwise a receiver waiting for "all senders gone" before awaiting the
  // producer's handle would wait forever. The output survives in the dead frame.
  for (const bool ct : {true, false}) {
    probe_stats stats;  // outlives the runtime, which drops what is left at shutdown
    auto rt = ct ? weft::runtime::builder().current_thread().build()
                 : weft::runtime::builder().workers(2).build();
    auto a = rt.spawn(holds_its_parameter(drop_probe(stats), std::string(40, 'x')));
    auto b = rt.spawn(holds_its_parameter_void(drop_probe(stats)));
    auto c = rt.spawn(throws_holding_its_parameter(drop_probe(stats)));
    const auto all_finished = [&] { return a.is_finished() && b.is_finished() && c.is_finished(); };
    if (ct) {
      rt.block_on([&]() -> weft::task<void> {  // the current-thread runtime runs them here
        while (!all_finished()) co_await weft::yield_now();
      }());
    }
    ASSERT_TRUE(wait_until(all_finished));
    EXPECT_EQ(stats.destroyed(), 3) << "a finished task still holds its parameters";
    EXPECT_EQ(rt.block_on(std::move(a)), std::string(40, 'x') + "!");
    rt.block_on(std::move(b));
    EXPECT_THROW(rt.block_on(std::move(c)), std::runtime_error);
  }
}
