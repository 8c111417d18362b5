// tests/support/manual_executor.hpp: step-driven test doubles for the future model.
// - manual_event: a leaf future source a test fires by hand (from any thread); counts the
//   polls its futures receive and keeps at most one waker.
// - manual_executor: a single-thread executor that polls only when the test says so
//   (step / run_until_stalled), gives each poll a coop budget, and counts polls. Wakes may
//   come from any thread; they only queue the task.
// Not here: timers, I/O, worker threads.
//
// Protocol (manual_executor):
// - roles: the test thread (spawn, step, run_until_stalled, destruction) and wakers (any
//   thread).
// - cell::refs: one reference held by the executor while the task is alive, one per waker
//   clone, one while the cell sits in the run queue. The last release deletes the cell.
// - cell::queued: set by the waker that queues the cell (false→true exchange, so a cell is
//   queued at most once); cleared by step() before it polls, so a wake during the poll
//   queues the task again, behind the others (yield_now semantics).
// - shared_queue: mutex-guarded; `closed` is set when the executor dies, after which wakes
//   are no-ops. Cells keep the queue alive through a shared_ptr, so stale wakers are safe.
#pragma once

#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::test {

/// A one-shot event; `wait()` gives a leaf future that is ready once the event is set.
///
/// Thread safety: set() and reset() may run on any thread; each wait future is polled by one
/// thread at a time. The event must outlive its futures.
class manual_event {
public:
  class wait_future {
  public:
    explicit wait_future(manual_event& ev) noexcept : ev_(&ev) {}
    ::weft::poll<void> poll(context& cx) { return ev_->poll_wait(cx); }

  private:
    manual_event* ev_;
  };

  manual_event() = default;
  manual_event(const manual_event&) = delete;
  manual_event& operator=(const manual_event&) = delete;

  [[nodiscard]] wait_future wait() noexcept { return wait_future(*this); }

  /// Sets the event and wakes (consuming) the stored waker, if any.
  void set() {
    std::optional<waker> w;
    {
      std::lock_guard lock(mu_);
      set_ = true;
      w.swap(waker_);
    }
    if (w) std::move(*w).wake();
  }
  void reset() {
    std::lock_guard lock(mu_);
    set_ = false;
  }
  [[nodiscard]] bool is_set() const {
    std::lock_guard lock(mu_);
    return set_;
  }
  /// True while a waker is stored (a future is pending on the event).
  [[nodiscard]] bool has_waker() const {
    std::lock_guard lock(mu_);
    return waker_.has_value();
  }
  /// Polls received by this event's futures.
  [[nodiscard]] long polls() const noexcept { return polls_.load(); }

private:
  ::weft::poll<void> poll_wait(context& cx) {
    polls_.fetch_add(1);
    std::lock_guard lock(mu_);
    if (set_) return ready();
    if (waker_) {
      waker_->clone_from(cx.waker());
    } else {
      waker_.emplace(cx.waker());
    }
    return pending;
  }

  mutable std::mutex mu_;
  bool set_ = false;
  std::optional<waker> waker_;
  detail::atomic<long> polls_{0};
};

/// A step-driven single-thread executor.
class manual_executor {
  struct shared_queue;

  struct cell {
    detail::atomic<long> refs{1};  // the executor's reference
    detail::atomic<bool> queued{false};
    std::shared_ptr<shared_queue> queue;
    bool finished = false;

    explicit cell(std::shared_ptr<shared_queue> q) : queue(std::move(q)) {}
    cell(const cell&) = delete;
    cell& operator=(const cell&) = delete;
    virtual ~cell() = default;
    /// Polls the future once; true when it finished.
    virtual bool poll_future(context& cx) = 0;
    /// Destroys the future (cancellation); the cell stays for stale wakers.
    virtual void drop_future() noexcept = 0;

    void add_ref() noexcept { refs.fetch_add(1); }
    void release() noexcept {
      if (refs.fetch_sub(1) == 1) delete this;
    }
    void schedule() {
      if (queued.exchange(true)) return;
      std::lock_guard lock(queue->mu);
      if (queue->closed) return;
      add_ref();  // the queue's reference
      queue->q.push_back(this);
    }

    static cell* self(const void* d) { return static_cast<cell*>(const_cast<void*>(d)); }
    static const void* clone_fn(const void* d) {
      self(d)->add_ref();
      return d;
    }
    static void wake_fn(const void* d) {
      self(d)->schedule();
      self(d)->release();
    }
    static void wake_by_ref_fn(const void* d) { self(d)->schedule(); }
    static void drop_fn(const void* d) { self(d)->release(); }
    static constexpr waker_vtable vtable{&clone_fn, &wake_fn, &wake_by_ref_fn, &drop_fn};
  };

  struct shared_queue {
    std::mutex mu;
    std::deque<cell*> q;
    bool closed = false;
  };

  template <class F> struct future_cell final : cell {
    using T = future_output_t<F>;
    std::optional<F> future;
    std::shared_ptr<std::optional<detail::storable_t<T>>> out;

    future_cell(std::shared_ptr<shared_queue> q, F f,
                std::shared_ptr<std::optional<detail::storable_t<T>>> o)
        : cell(std::move(q)), future(std::in_place, std::move(f)), out(std::move(o)) {}
    bool poll_future(context& cx) override {
      auto p = future->poll(cx);
      if (p.is_pending()) return false;
      if constexpr (std::is_void_v<T>) {
        out->emplace();
      } else {
        out->emplace(p.take());
      }
      future.reset();
      return true;
    }
    void drop_future() noexcept override { future.reset(); }
  };

public:
  /// The output slot of a spawned future: empty until it finishes.
  template <class T> using output = std::shared_ptr<std::optional<detail::storable_t<T>>>;

  /// `budget` is the coop budget given to each poll; negative means unlimited.
  explicit manual_executor(int budget = coop::default_budget)
      : queue_(std::make_shared<shared_queue>()), budget_(budget) {}
  manual_executor(const manual_executor&) = delete;
  manual_executor& operator=(const manual_executor&) = delete;
  ~manual_executor() {
    std::deque<cell*> queued;
    {
      std::lock_guard lock(queue_->mu);
      queue_->closed = true;
      queued.swap(queue_->q);
    }
    for (cell* c : queued) c->release();
    for (cell* c : cells_) c->drop_future();
    for (cell* c : cells_) c->release();
  }

  /// Adds a future as a task, queued for its first poll.
  template <future F> output<future_output_t<F>> spawn(F f) {
    auto out = std::make_shared<std::optional<detail::storable_t<future_output_t<F>>>>();
    auto* c = new future_cell<F>(queue_, std::move(f), out);
    cells_.push_back(c);
    c->schedule();
    return out;
  }

  /// Polls the next queued task once. Returns false when no task was queued.
  bool step() {
    cell* c = nullptr;
    {
      std::lock_guard lock(queue_->mu);
      if (queue_->q.empty()) return false;
      c = queue_->q.front();
      queue_->q.pop_front();
    }
    c->queued.store(false);
    if (!c->finished) {
      c->add_ref();
      waker w(c, &cell::vtable);
      context cx(w);
      ++polls_;
      coop::budget_scope scope(budget_);
      if (c->poll_future(cx)) c->finished = true;
    }
    c->release();  // the queue's reference
    return true;
  }

  /// Steps until no task is queued (or `max_polls` polls); returns the polls made.
  std::size_t run_until_stalled(std::size_t max_polls = std::numeric_limits<std::size_t>::max()) {
    std::size_t n = 0;
    while (n < max_polls && step()) ++n;
    return n;
  }

  /// Tasks spawned and not finished.
  [[nodiscard]] std::size_t live_tasks() const noexcept {
    std::size_t n = 0;
    for (const cell* c : cells_) n += c->finished ? 0 : 1;
    return n;
  }
  /// Tasks waiting in the run queue.
  [[nodiscard]] std::size_t queued() const {
    std::lock_guard lock(queue_->mu);
    return queue_->q.size();
  }
  /// Polls made so far.
  [[nodiscard]] std::size_t polls() const noexcept { return polls_; }

private:
  std::shared_ptr<shared_queue> queue_;
  std::vector<cell*> cells_;
  std::size_t polls_ = 0;
  int budget_;
};

} // namespace weft::test
