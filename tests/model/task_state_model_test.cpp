// tests/model/task_state_model_test.cpp: the task state word under every interleaving within
// the bound, driven through the real harness (task_cell: run, complete, cancel) and the real
// join_handle, with a one-worker model scheduler. Actors: the worker polling the task, a
// thread firing the event the task waits for (its wake), and the joiner (poll, abort, drop,
// replace its waker). Oracles: the cell is deallocated exactly once and never written after
// (a freed cell is poisoned and checked at the end); every future and output object is
// destroyed; the joiner gets the value or "cancelled", and is always woken (a lost join
// wake-up is a deadlock: the joiner sleeps, the worker idles, nobody is left to wake them).
#include <gtest/gtest.h>

#include <functional>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include <sanitizer/asan_interface.h>

#include "model_support.hpp"
#include "weft/detail/spin_lock.hpp"

// The headers under test (one line each: the lead's restructure moves them to task/).
#include "weft/task/spawn_task.hpp"  // task_cell (the harness), task_header, task_state
#include "weft/task/join_handle.hpp"  // join_handle

namespace {

using weft::detail::atomic;
using weft::detail::task_header;
using weft::model::flag_waker;

// Live objects of each kind; plain ints, because the explorer runs one thread at a time and
// every hand-over of its baton goes through a mutex.
struct counters {
  int futures = 0;
  int outputs = 0;
};

/// The task's output: counts its live copies.
class counted_output {
public:
  counted_output(counters* c, int v) : c_(c), value_(v) { ++c_->outputs; }
  counted_output(const counted_output& o) : c_(o.c_), value_(o.value_) { ++c_->outputs; }
  counted_output& operator=(const counted_output&) = default;
  ~counted_output() { --c_->outputs; }
  [[nodiscard]] int value() const { return value_; }

private:
  counters* c_;
  int value_;
};

/// The event the task waits for: a waker slot under a spin lock, like a timer node.
struct event {
  weft::detail::spin_lock lock;
  bool fired = false;
  bool keep_spare = false;              // also keep a second waker clone (woken late)
  std::optional<weft::waker> w;
  std::optional<weft::waker> spare;

  /// The future's side: true once fired; else registers the polling task's waker.
  bool poll_fired(const weft::waker& current) {
    lock.lock();
    const bool f = fired;
    if (!f) {
      if (!w || !w->will_wake(current)) w = current;
      if (keep_spare && !spare) spare = current;
    }
    lock.unlock();
    return f;
  }
  /// Fires: wakes the registered waker (outside the lock), then the spare one if any.
  void fire() {
    std::optional<weft::waker> a;
    std::optional<weft::waker> b;
    lock.lock();
    fired = true;
    a.swap(w);
    b.swap(spare);
    lock.unlock();
    if (a) std::move(*a).wake();
    if (b) std::move(*b).wake();  // may come after completion: must be harmless
  }
};

/// The spawned future: pending until the event fires, then ready with 7.
class event_future {
public:
  event_future(event* ev, counters* c) : ev_(ev), c_(c) { ++c_->futures; }
  event_future(const event_future& o) : ev_(o.ev_), c_(o.c_) { ++c_->futures; }
  event_future& operator=(const event_future&) = delete;
  ~event_future() { --c_->futures; }

  weft::poll<counted_output> poll(weft::context& cx) {
    if (!ev_->poll_fired(cx.waker())) return weft::pending;
    return weft::poll<counted_output>(std::in_place, c_, 7);
  }

private:
  event* ev_;
  counters* c_;
};

using cell = weft::detail::task_cell<event_future>;

/// Every allocation of a model's task cells: a freed cell is poisoned (and, under ASan,
/// made unaddressable) until the execution ends, then checked untouched and really freed.
class cell_ledger {
public:
  cell_ledger() { current = this; }
  cell_ledger(const cell_ledger&) = delete;
  cell_ledger& operator=(const cell_ledger&) = delete;
  ~cell_ledger() { current = nullptr; }

  void created(task_header* t) { cells_.push_back({t, 0, false}); }
  void freed(void* p, std::size_t n) {
    for (entry& e : cells_) {
      if (e.p != p) continue;
      WEFT_MODEL_ASSERT(!e.freed && "a task cell was deallocated twice");
      e.freed = true;
      e.n = n;
      std::memset(p, poison, n);
      ASAN_POISON_MEMORY_REGION(p, n);
      return;
    }
    WEFT_MODEL_ASSERT(false && "an unknown task cell was deallocated");
  }
  /// Every cell was freed once and not written after; then frees them for real.
  void check_and_release() {
    for (entry& e : cells_) {
      WEFT_MODEL_ASSERT(e.freed && "a task cell was never deallocated (leak)");
      ASAN_UNPOISON_MEMORY_REGION(e.p, e.n);
      const auto* bytes = static_cast<const unsigned char*>(e.p);
      for (std::size_t i = 0; i < e.n; ++i) {
        WEFT_MODEL_ASSERT(bytes[i] == poison && "a task cell was written after deallocation");
      }
      weft::detail::frame_allocator::deallocate(e.p, e.n);
    }
    cells_.clear();
  }

  static inline cell_ledger* current = nullptr;

private:
  static constexpr unsigned char poison = 0xdb;
  struct entry {
    void* p;
    std::size_t n;
    bool freed;
  };
  std::vector<entry> cells_;
};

} // namespace

// The one hook into the real harness: task_cell's deallocation goes through the ledger.
// Safety: the ledger keeps the block allocated (poisoned) until the execution ends, then
// frees it with the same frame_allocator::deallocate the primary template would call.
template <>
void weft::detail::task_cell<event_future>::operator delete(void* p, std::size_t n) noexcept {
  cell_ledger::current->freed(p, n);
}

namespace {

/// One worker's scheduler: a few slots for woken tasks (a task sits in at most one, by the
/// state word's invariant 1) and a word the worker sleeps on.
class model_scheduler final : public weft::detail::scheduler_base {
public:
  void schedule(task_header* t, bool /*yield*/) override {
    for (auto& slot : slots_) {
      task_header* expected = nullptr;
      if (slot.compare_exchange_strong(expected, t)) {
        signal();
        return;
      }
    }
    WEFT_MODEL_ASSERT(false && "more tasks queued than the model has slots");
  }
  std::function<void(std::exception_ptr)> exception_hook() const override { return {}; }
  std::uint64_t release(task_header* /*t*/) noexcept override {
    ++released_;
    WEFT_MODEL_ASSERT(released_ == 1 && "the owned-list entry was released twice");
    return 1;  // the owned-task list entry's reference
  }
  void unhandled_exception(std::exception_ptr /*e*/) noexcept override {
    WEFT_MODEL_ASSERT(false && "the model task threw");
  }

  /// The worker: runs woken tasks until stop() and an empty queue.
  void run_worker() {
    for (;;) {
      const std::uint32_t seen = signal_.load();
      bool ran = false;
      for (auto& slot : slots_) {
        if (task_header* t = slot.exchange(nullptr)) {
          t->vtable->run(t);
          ran = true;
        }
      }
      if (ran) continue;
      // After stop() only this thread queues tasks (a poll that was woken meanwhile), and a
      // push may have landed since the exchange above: return only when it is empty too.
      if (stop_.load() != 0) {
        bool empty = true;
        for (auto& slot : slots_) empty = empty && slot.load() == nullptr;
        if (empty) return;
        continue;
      }
      signal_.wait(seen);
    }
  }
  void stop() {
    stop_.store(1);
    signal();
  }
  [[nodiscard]] int released() const { return released_; }

private:
  void signal() {
    signal_.fetch_add(1);
    signal_.notify_one();
  }

  atomic<task_header*> slots_[4] = {};
  atomic<std::uint32_t> signal_{0};
  atomic<int> stop_{0};
  int released_ = 0;
};

/// Polls `h` with `w` until it is ready, sleeping between polls.
weft::join_result<counted_output> join_with(weft::join_handle<counted_output>& h,
                                            const flag_waker& w) {
  const weft::waker wk = w.make();
  for (;;) {
    const std::uint32_t seen = w.seen();
    weft::context cx(wk);
    auto p = h.poll_outcome(cx);
    if (p.is_ready()) return p.take();
    w.sleep(seen);
  }
}

/// Everything one execution needs, torn down in the right order by finish().
struct world {
  counters c;
  cell_ledger ledger;
  flag_waker joiner;  // before the task: the task's join_waker field may hold it until freed
  event ev;
  model_scheduler sched;
  weft::join_handle<counted_output> h;

  world() {
    // As spawn does: references for the queue entry, the owned-task list and the handle.
    task_header* t = cell::create(event_future(&ev, &c), &sched, 3);
    ledger.created(t);
    h = weft::join_handle<counted_output>(t);
    sched.schedule(t, false);
  }

  /// After the actors are joined: stops the worker, drops what is left, checks the oracles.
  void finish(weft::model::thread& worker) {
    sched.stop();
    worker.join();
    h = weft::join_handle<counted_output>();
    ev.w.reset();  // a waker the task registered but nobody fired holds a reference
    ev.spare.reset();
    WEFT_MODEL_ASSERT(sched.released() == 1);
    WEFT_MODEL_ASSERT(c.futures == 0 && "the future was not destroyed");
    ledger.check_and_release();
    WEFT_MODEL_ASSERT(c.outputs == 0 && "an output was leaked");
  }
};

TEST(TaskStateModel, WakeRacesPollAndTheJoinerIsWokenOnce) {
  WEFT_EXPECT_MODEL([] {
    world w;
    weft::model::thread worker([&] { w.sched.run_worker(); });
    weft::model::thread firer([&] { w.ev.fire(); });
    {
      auto out = join_with(w.h, w.joiner);
      WEFT_MODEL_ASSERT(out.is_ok());
      WEFT_MODEL_ASSERT(std::move(out).value().value() == 7);
    }
    firer.join();
    w.finish(worker);
  });
}

TEST(TaskStateModel, AbortRacesWakeAndCompletion) {
  WEFT_EXPECT_MODEL([] {
    world w;
    weft::model::thread worker([&] { w.sched.run_worker(); });
    weft::model::thread firer([&] { w.ev.fire(); });
    w.h.abort();
    {
      auto out = join_with(w.h, w.joiner);
      WEFT_MODEL_ASSERT(out.is_cancelled() ||
                        (out.is_ok() && std::move(out).value().value() == 7));
    }
    firer.join();
    w.finish(worker);
  });
}

TEST(TaskStateModel, JoinHandleDropRacesCompletion) {
  WEFT_EXPECT_MODEL([] {
    world w;
    weft::model::thread worker([&] { w.sched.run_worker(); });
    weft::model::thread firer([&] { w.ev.fire(); });
    w.h = weft::join_handle<counted_output>();  // detach while the task may be completing
    firer.join();
    w.finish(worker);  // the output was dropped by whoever came last, exactly once
  });
}

TEST(TaskStateModel, ReplacedJoinWakerIsTheOneWoken) {
  WEFT_EXPECT_MODEL([] {
    world w;
    weft::model::thread worker([&] { w.sched.run_worker(); });
    weft::model::thread firer([&] { w.ev.fire(); });
    flag_waker first;
    {
      const weft::waker wk = first.make();
      weft::context cx(wk);
      auto p = w.h.poll_outcome(cx);
      if (p.is_ready()) {
        WEFT_MODEL_ASSERT(std::move(p.take()).value().value() == 7);
      } else {
        // Only the second waker is waited on: a completion that wakes the first one alone
        // leaves this thread asleep (deadlock).
        auto out = join_with(w.h, w.joiner);
        WEFT_MODEL_ASSERT(std::move(out).value().value() == 7);
      }
    }
    firer.join();
    w.finish(worker);
  });
}

TEST(TaskStateModel, AWakeAfterCompletionIsHarmlessAndMayFreeTheTask) {
  WEFT_EXPECT_MODEL([] {
    world w;
    w.ev.keep_spare = true;  // fire() also wakes a second clone, possibly after completion
    weft::model::thread worker([&] { w.sched.run_worker(); });
    weft::model::thread firer([&] { w.ev.fire(); });
    w.h = weft::join_handle<counted_output>();
    firer.join();
    w.finish(worker);
  });
}

} // namespace
