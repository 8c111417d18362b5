// weft/runtime/detail/scheduler.hpp: scheduler, the work-stealing executor behind a runtime:
// spawning, where a woken task goes, the worker loop, and shutdown. Idle coordination is
// idle.hpp, the per-worker state worker.hpp, block_on's root loops root_loops.hpp.
//
// Protocol
// Roles: workers (one thread each, or the block_on caller in the current-thread flavour),
// outside threads (spawn, wake, abort), block_on callers.
// Where a task goes when scheduled (schedule()):
//   - on one of our workers, allowed to run there: a wake goes to the LIFO slot (the task
//     displaced from it goes to the local queue), a yield, a joiner's wake or a spawn to the
//     local queue; a full local queue moves half of itself to the inject queue in one step;
//   - pinned to another worker (spawn_local, spawn_on, thread-per-core): that worker's
//     remote queue, then unpark it;
//   - otherwise: the inject queue, then notify_parked().
// A worker's loop (next_task): every event_interval ticks a driver turn, every
// global_queue_interval ticks the remote and inject queues first; else LIFO slot (at most
// max_lifo_polls in a row), local queue, remote queue, a batch from the inject queue; then a
// driver turn, stealing (at most half the workers search at once), and parking (idle.hpp).
// Shutdown (shutdown()):
//   1. shutdown_ is set and every worker unparked; each leaves its loop after its current
//      poll and waits at stop_latch_, so no task is being polled after it;
//   2. each worker cancels the I/O in flight on its own ring in one batch and reaps it
//      (io_latch_), so that dropping futures next waits for no kernel completion; then owned
//      tasks are closed (spawns refused) and every not-yet-complete task is claimed and
//      cancelled (its future destroyed) by a worker: worker i takes shard i, worker 0 also
//      the shard of outside spawns; then cancel_latch_;
//   3. every queue is closed and drained, dropping the queue references (the tasks in them
//      are complete by then, so nothing runs); drivers shut down; threads are joined.
//   Invariant: after step 2 no task can be scheduled again (wakes of complete tasks are
//   no-ops), so nothing touches the scheduler once the runtime is gone.
// Lifetime: reference-counted. The runtime holds one reference, every handle one, every
// running blocking-pool thread one. The runtime's destructor shuts the scheduler down and
// drops its reference; the inert shell goes with the last reference, so a handle or blocking
// job that outlives the runtime gets spawn_error instead of a dangling pointer.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sched.h>

#include "weft/core/future.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/chaos.hpp"
#include "weft/runtime/config.hpp"
#include "weft/runtime/detail/block_on_drivers.hpp"
#include "weft/runtime/detail/blocking_pool.hpp"
#include "weft/runtime/detail/idle.hpp"
#include "weft/runtime/detail/inject_queue.hpp"
#include "weft/runtime/detail/owned_tasks.hpp"
#include "weft/runtime/detail/thread_binding.hpp"
#include "weft/runtime/detail/worker.hpp"
#include "weft/runtime/metrics.hpp"
#include "weft/runtime/spawn_error.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/task/scheduler_base.hpp"
#include "weft/task/spawn_task.hpp"
#include "weft/task/task_header.hpp"
#include "weft/task/unhandled_exception.hpp"

namespace weft::detail {

struct root_loops;

class scheduler final : public scheduler_base {
public:
  explicit scheduler(runtime_config cfg)
      : cfg_(with_defaults(std::move(cfg))), owned_(worker_count(cfg_) + 1),
        idle_(worker_count(cfg_)),
        stop_latch_(static_cast<std::ptrdiff_t>(worker_count(cfg_))),
        io_latch_(static_cast<std::ptrdiff_t>(worker_count(cfg_))),
        cancel_latch_(static_cast<std::ptrdiff_t>(worker_count(cfg_))),
        blocking_(cfg_.max_blocking_threads, cfg_.blocking_keep_alive, thread_binding{this},
                  cfg_.thread_name, owner_ref{this, &retain_thunk, &release_thunk}),
        block_on_drivers_(cfg_.make_driver) {
    const std::size_t n = worker_count(cfg_);
    workers_.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      workers_.push_back(std::make_unique<worker>(this, i, cfg_.local_queue_capacity));
    blocking_.set_exception_hook(cfg_.on_unhandled_exception);
    if (cfg_.current_thread) {
      // The current-thread worker is the thread that builds the runtime; its driver (an
      // io_uring is single-issuer) is made here and block_on must run on this thread.
      prepare_driver(workers_[0].get());
      ct_thread_ = std::this_thread::get_id();
      scheduler_registry::get().add(this);
      return;
    }
    start_workers();
    scheduler_registry::get().add(this);
  }

  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;
  ~scheduler() {
    shutdown(std::chrono::milliseconds(1000));
    scheduler_registry::get().remove(this);
  }

  // ---- lifetime (see the protocol block) ------------------------------------------------

  void add_ref() noexcept {
    // relaxed: a reference is made from a live one (its holder keeps the object alive).
    refs_.fetch_add(1, memory_order_relaxed);
  }
  void release() noexcept {
    // acq_rel: the last holder must see every other holder's writes before destroying.
    if (refs_.fetch_sub(1, memory_order_acq_rel) == 1) delete this;
  }

  /// The runtime's destructor: shut down, refusing the two cases that cannot end well.
  void shutdown_from_owner() {
    thread_binding* b = current_binding;
    if (b != nullptr && b->sched == this && b->w != nullptr && !cfg_.current_thread) {
      fatal("a runtime was destroyed from inside one of its own tasks (a worker cannot join "
            "itself); destroy it from the thread that owns it, or call shutdown() from the "
            "task and destroy it later");
    }
    if (cfg_.current_thread && std::this_thread::get_id() != ct_thread_ &&
        workers_[0]->drv->has_work_in_flight()) {
      fatal("a current-thread runtime with I/O in flight was destroyed on a thread other than "
            "the one that built it; its io_uring can only be driven by that thread");
    }
    shutdown(std::chrono::milliseconds(1000));
  }

  [[nodiscard]] const runtime_config& config() const noexcept { return cfg_; }
  [[nodiscard]] std::size_t num_workers() const noexcept { return workers_.size(); }
  [[nodiscard]] bool is_shutdown() const noexcept {
    return shutdown_.load(memory_order_acquire);  // acquire: pairs with signal_shutdown
  }

  // ---- spawning ------------------------------------------------------------------------

  /// Spawns `f`; `owner` pins it to a worker (-1: any, or the current worker when stealing
  /// is off). Errors: spawn_error when shutting down.
  template <future F> join_handle<future_output_t<F>> spawn(F f, int owner = -1) {
    thread_binding* b = current_binding;
    worker* here = (b != nullptr && b->sched == this) ? b->w : nullptr;
    if (owner < 0 && !cfg_.enable_stealing) {
      // relaxed: only spreads outside spawns over the workers; any value will do.
      owner = here != nullptr ? static_cast<int>(here->index)
                              : static_cast<int>(next_owner_.fetch_add(1, memory_order_relaxed) %
                                                 workers_.size());
    }
    // relaxed: a fast refusal only; owned_.insert decides under its lock.
    if (shutdown_.load(memory_order_relaxed))
      WEFT_THROW(spawn_error("weft: cannot spawn: the runtime is shutting down"));
    // 3 references: the owned-task list, the run queue entry, the join handle.
    task_header* t = make_task(std::move(f), this, 3);
    t->owner_worker = static_cast<std::int16_t>(owner);
    const std::size_t shard = here != nullptr ? here->index : workers_.size();
    if (!owned_.insert(t, static_cast<std::uint32_t>(shard))) {
      t->vtable->dealloc(t);  // never published: the future is destroyed with it
      WEFT_THROW(spawn_error("weft: cannot spawn: the runtime is shutting down"));
    }
    if (here != nullptr) {
      here->spawned.add();
    } else {
      spawned_outside_.fetch_add(1, memory_order_relaxed);  // relaxed: a statistic
    }
    if (here != nullptr && (owner < 0 || owner == static_cast<int>(here->index))) {
      push_local(here, t);
      if (workers_.size() > 1) notify_parked();
    } else {
      schedule_remote(t);
    }
    return join_handle<future_output_t<F>>(t);
  }

  template <class Fn> auto spawn_blocking(Fn fn) {
    using R = std::invoke_result_t<Fn&>;
    // 2 references: the pool queue entry, the join handle (the pool keeps no list).
    task_header* t = make_task(blocking_future<Fn>(std::move(fn)), blocking_.scheduler(), 2);
    join_handle<R> h(t);
    blocking_.scheduler()->schedule(t, false);  // may throw when no thread can be started
    return h;
  }

  // ---- scheduler_base -------------------------------------------------------------------

  void schedule(task_header* t, bool yield) override {
    if (chaos_one_in(2)) yield = true;  // chaos builds: bypass the LIFO slot at random
    thread_binding* b = current_binding;
    if (b != nullptr && b->sched == this && b->w != nullptr &&
        (t->owner_worker < 0 || t->owner_worker == static_cast<int>(b->w->index))) {
      worker* w = b->w;
      if (yield || waking_joiner || cfg_.max_lifo_polls == 0) {
        push_local(w, t);
        if (workers_.size() > 1) notify_parked();
        return;
      }
      task_header* prev = std::exchange(w->lifo, t);
      if (prev != nullptr) {
        push_local(w, prev);
        if (workers_.size() > 1) notify_parked();
      }
      return;
    }
    schedule_remote(t);
  }

  std::uint64_t release(task_header* t) noexcept override {
    owned_.remove(t);
    thread_binding* b = current_binding;
    if (b != nullptr && b->sched == this && b->w != nullptr) {
      b->w->completed.add();
    } else {
      completed_outside_.fetch_add(1, memory_order_relaxed);  // relaxed: a statistic
    }
    return 1;
  }

  std::function<void(std::exception_ptr)> exception_hook() const override {
    return cfg_.on_unhandled_exception;
  }

  void unhandled_exception(std::exception_ptr e) noexcept override {
    if (cfg_.on_unhandled_exception) {
      try {
        cfg_.on_unhandled_exception(e);
        return;
      } catch (...) {
      }
    }
    report_unhandled_exception(e);
  }

  // ---- block_on (root_loops.hpp) --------------------------------------------------------

  template <future F> future_output_t<F> block_on(F f);

  // ---- shutdown -------------------------------------------------------------------------

  /// Cancels every task and stops the workers; waits up to `timeout` for blocking jobs.
  void shutdown(std::chrono::milliseconds timeout) {
    thread_binding* b = current_binding;
    if (b != nullptr && b->sched == this && b->w != nullptr) {
      // Called from one of our own tasks: a worker cannot join itself. Only signal; the
      // runtime's owner (its destructor, or a later shutdown() call) completes the work.
      signal_shutdown();
      return;
    }
    std::lock_guard lock(shutdown_mu_);
    if (shutdown_done_) return;
    shutdown_done_ = true;
    signal_shutdown();
    if (cfg_.current_thread) {
      worker* w = workers_[0].get();
      thread_binding binding = w->binding;
      binding_guard guard(&binding);
      shutdown_worker(w);
    } else {
      join_threads();
    }
    blocking_.shutdown(timeout);
  }

  // ---- metrics --------------------------------------------------------------------------

  [[nodiscard]] runtime_metrics metrics() {
    runtime_metrics m;
    for (auto& w : workers_) {
      worker_metrics wm;
      wm.polls = w->polls.get();
      wm.steals = w->steals.get();
      wm.stolen_tasks = w->stolen_tasks.get();
      wm.parks = w->parks.get();
      wm.spawned = w->spawned.get();
      wm.completed = w->completed.get();
      wm.overflows = w->overflows.get();
      wm.local_queue_depth = w->queue.len();
      m.workers.push_back(wm);
    }
    // relaxed (both): statistics.
    m.spawned_outside = spawned_outside_.load(memory_order_relaxed);
    m.completed_outside = completed_outside_.load(memory_order_relaxed);
    m.inject_queue_depth = inject_.len();
    m.live_tasks = owned_.live();
    m.blocking_threads = blocking_.threads();
    m.blocking_idle_threads = blocking_.idle_threads();
    return m;
  }

private:
  friend struct root_loops;

  [[noreturn]] static void fatal(const char* what) noexcept {
    std::fprintf(stderr, "weft: fatal: %s\n", what);
    std::abort();
  }
  static void retain_thunk(void* s) noexcept { static_cast<scheduler*>(s)->add_ref(); }
  static void release_thunk(void* s) noexcept { static_cast<scheduler*>(s)->release(); }

  static runtime_config with_defaults(runtime_config c) {
    if (!c.make_driver) c.make_driver = default_driver_factory();
    if (c.event_interval == 0) c.event_interval = 1;
    if (c.global_queue_interval == 0) c.global_queue_interval = 1;
    return c;
  }

  static std::size_t worker_count(const runtime_config& c) noexcept {
    if (c.current_thread) return 1;
    if (c.workers != 0) return c.workers;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : hw;
  }

  [[nodiscard]] driver_config config_for(int worker_index) const noexcept {
    return driver_config{worker_index, cfg_.sq_entries, cfg_.cq_entries,
                         cfg_.current_thread && worker_index >= 0, cfg_.backend};
  }

  void start_workers() {
    const std::size_t n = workers_.size();
    std::latch started(static_cast<std::ptrdiff_t>(n));
    std::mutex err_mu;
    std::exception_ptr err;
    for (std::size_t i = 0; i < n; ++i) {
      worker* w = workers_[i].get();
      w->thread = std::thread([this, w, &started, &err, &err_mu] {
        try {
          prepare_thread(w);
        } catch (...) {
          std::lock_guard lock(err_mu);
          if (!err) err = std::current_exception();
        }
        started.count_down();
        if (w->drv) {
          run_worker(w);
        } else {
          // No driver: this worker never runs; let the others pass the shutdown latches.
          stop_latch_.count_down();
          io_latch_.count_down();
          cancel_latch_.count_down();
        }
      });
    }
    started.wait();
    if (!err) return;
    shutdown_.store(true, memory_order_seq_cst);
    for (auto& w : workers_) {
      if (w->drv) w->drv->unpark();
    }
    // Workers without a driver exited at once; the others see shutdown_.
    for (auto& w : workers_) {
      if (w->thread.joinable()) w->thread.join();
    }
    std::rethrow_exception(err);
  }

  void prepare_thread(worker* w) {
    const std::string name = (cfg_.thread_name + "-" + std::to_string(w->index)).substr(0, 15);
    pthread_setname_np(pthread_self(), name.c_str());
    if (cfg_.pin_workers) {
      cpu_set_t set;
      CPU_ZERO(&set);
      const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
      CPU_SET(w->index % cores, &set);
      pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    }
    prepare_driver(w);
  }

  void prepare_driver(worker* w) {
    w->drv = cfg_.make_driver(config_for(static_cast<int>(w->index)));
    w->binding.drv = w->drv.get();
  }

  void signal_shutdown() noexcept {
    if (shutdown_.exchange(true, memory_order_seq_cst)) return;
    if (cfg_.current_thread) return;
    for (auto& w : workers_) {
      if (w->drv) w->drv->unpark();
    }
  }

  void join_threads() {
    for (auto& w : workers_) {
      if (w->thread.joinable() && w->thread.get_id() != std::this_thread::get_id())
        w->thread.join();
    }
  }

  // ---- queues ---------------------------------------------------------------------------

  void push_local(worker* w, task_header* t) {
    const bool overflowed = w->queue.push_back(t, [this, w](local_queue::overflow_batch& batch) {
      // Without stealing every task here is pinned to this worker: keep them at home.
      inject_queue& q = cfg_.enable_stealing ? inject_ : w->remote;
      const std::size_t n = batch.count();
      if (!q.push_n(n, [&] { return batch.next(); })) {
        for (std::size_t i = 0; i < n; ++i) batch.next()->drop_ref();  // closed: complete
      }
    });
    if (overflowed) w->overflows.add();
  }

  void schedule_remote(task_header* t) {
    if (t->owner_worker >= 0) {
      worker* w = workers_[static_cast<std::size_t>(t->owner_worker) % workers_.size()].get();
      if (!w->remote.push(t)) {
        t->drop_ref();  // shut down: the task is complete (see the protocol block)
        return;
      }
      // The seq_cst exchange inside unpark pairs with the worker's park re-check.
      if (w->drv) w->drv->unpark();
      return;
    }
    if (!inject_.push(t)) {
      t->drop_ref();
      return;
    }
    notify_parked();
  }

  // ---- idle coordination (idle.hpp) -----------------------------------------------------

  void notify_parked() {
    if (worker* w = idle_.notify_one()) w->drv->unpark();
  }

  bool has_work_for(worker* w) const noexcept {
    if (!inject_.is_empty() || !w->remote.is_empty() || !w->queue.is_empty() || w->lifo)
      return true;
    if (cfg_.enable_stealing) {
      for (auto& other : workers_) {
        if (other.get() != w && !other->queue.is_empty()) return true;
      }
    }
    return false;
  }

  /// Parks `w` until there may be work. `extra_ready` lets block_on's current-thread loop
  /// wake for its root future too.
  template <class Ready> void park_worker(worker* w, Ready&& extra_ready) {
    idle_.register_sleeper(w);
    w->parks.add();
    auto wake_reason = [&] {
      // relaxed: shutdown_ is also announced by an unpark, which orders it.
      return has_work_for(w) || extra_ready() || shutdown_.load(memory_order_relaxed);
    };
    bool leave = wake_reason() || spin_for_work(wake_reason);
    for (;;) {
      if (!leave) w->drv->park(std::nullopt);
      if (idle_.try_leave(w, [&] { return leave || wake_reason(); })) return;
    }
  }

  /// A worker about to park spins a little first (multi-thread flavour only), watching for
  /// work: a hand-off from another worker then costs no kernel round trip on either side (the
  /// waker's unpark finds the driver not yet parked and only sets its notification). Bounded
  /// (spin_limit), so an idle runtime still sleeps at once, in CPU terms.
  template <class WakeReason> bool spin_for_work(WakeReason& wake_reason) const {
    if (cfg_.current_thread || workers_.size() == 1) return false;
    const auto until = std::chrono::steady_clock::now() + spin_limit;
    for (unsigned i = 1;; ++i) {
      spin_pause();
      if (wake_reason()) return true;
      if (i % 16 == 0 && std::chrono::steady_clock::now() >= until) return false;
    }
  }
  static constexpr std::chrono::microseconds spin_limit{20};

  // ---- the worker loop ------------------------------------------------------------------

  task_header* next_task(worker* w) {
    ++w->tick;
    if (w->tick % cfg_.event_interval == 0) w->drv->turn();
    // Chaos builds also look at the shared queues first at random: another run order.
    if (w->tick % cfg_.global_queue_interval == 0 || chaos_one_in(3)) {
      if (task_header* t = w->remote.pop()) return t;
      if (task_header* t = inject_.pop()) return t;
    }
    if (w->lifo != nullptr) {
      task_header* t = std::exchange(w->lifo, nullptr);
      if (w->lifo_polls < cfg_.max_lifo_polls) {
        ++w->lifo_polls;
        return t;
      }
      push_local(w, t);  // bounded: two tasks waking each other cannot starve the queue
    }
    w->lifo_polls = 0;
    if (task_header* t = w->queue.pop()) return t;
    if (task_header* t = w->remote.pop()) return t;
    return take_from_inject(w);
  }

  /// Takes a fair share of the inject queue into the local queue (only as much as fits, so
  /// nothing overflows back); returns the first to run now.
  task_header* take_from_inject(worker* w) {
    if (inject_.is_empty()) return nullptr;
    const std::size_t room = w->queue.capacity() - w->queue.len();
    const std::size_t share = std::clamp<std::size_t>(inject_.len() / workers_.size() + 1, 1,
                                                      std::min(room + 1, w->queue.capacity() / 2));
    task_header* first = nullptr;
    inject_.pop_n(share, [&](task_header* t) {
      if (first == nullptr) {
        first = t;
      } else {
        [[maybe_unused]] const bool ok = w->queue.try_push(t);
        WEFT_ASSERT(ok, "the inject share was sized to fit the local queue");
      }
    });
    return first;
  }

  task_header* steal_work(worker* w) {
    if (!cfg_.enable_stealing || workers_.size() == 1) return take_from_inject(w);
    if (!idle_.begin_search(w)) return nullptr;
    const std::size_t n = workers_.size();
    const std::size_t start =
        chaos_enabled ? chaos_below(static_cast<std::uint32_t>(n)) : w->next_random() % n;
    for (std::size_t i = 0; i < n; ++i) {
      worker* victim = workers_[(start + i) % n].get();
      if (victim == w) continue;
      const std::size_t before = w->queue.len();
      if (task_header* t = victim->queue.steal_into(w->queue)) {
        w->steals.add();
        w->stolen_tasks.add(w->queue.len() - before + 1);
        return t;
      }
    }
    return take_from_inject(w);
  }

  void run_task(worker* w, task_header* t) {
    if (t->owner_worker >= 0 && t->owner_worker != static_cast<int>(w->index)) {
      // A pinned task reached us through a steal or the inject queue: send it home.
      schedule_remote(t);
      return;
    }
    if (w->searching && idle_.end_search(w)) notify_parked();
    w->polls.add();
    chaos_point();
    t->vtable->run(t);
  }

  void run_worker(worker* w) {
    binding_guard guard(&w->binding);
    if (cfg_.on_thread_start) cfg_.on_thread_start();
    // relaxed: shutdown_ is also announced by an unpark, and checked once per task.
    while (!shutdown_.load(memory_order_relaxed)) {
      if (task_header* t = next_task(w)) {
        run_task(w, t);
        continue;
      }
      w->drv->turn();
      if (task_header* t = next_task(w)) {
        run_task(w, t);
        continue;
      }
      if (task_header* t = steal_work(w)) {
        run_task(w, t);
        continue;
      }
      park_worker(w, [] { return false; });
    }
    shutdown_worker(w);
    if (cfg_.on_thread_stop) cfg_.on_thread_stop();
  }

  /// Waits at a shutdown latch while still serving this worker's driver: a task cancelled on
  /// another worker may need this driver to cancel an operation or remove a timer it owns.
  static void arrive_and_serve(std::latch& l, worker* w) {
    l.count_down();
    while (!l.try_wait()) {
      if (w->drv) {
        w->drv->park(std::chrono::milliseconds(1));
      } else {
        thread_yield();
      }
    }
  }

  void shutdown_worker(worker* w) {
    // Step 1: nobody polls after this point.
    arrive_and_serve(stop_latch_, w);
    // Step 2: cancel every task that is not complete. The I/O goes first, each worker on its
    // own ring (in one batch), so dropping the futures then waits for no completion.
    if (w->drv) w->drv->cancel_all();
    arrive_and_serve(io_latch_, w);
    owned_.close();
    owned_.shutdown_shard(w->index);
    if (w->index == 0) owned_.shutdown_shard(workers_.size());
    arrive_and_serve(cancel_latch_, w);
    // Step 3: drop the queue entries (their tasks are complete now).
    if (w->lifo != nullptr) std::exchange(w->lifo, nullptr)->drop_ref();
    while (task_header* t = w->queue.pop()) t->drop_ref();
    w->remote.close([](task_header* t) { t->drop_ref(); });
    if (w->index == 0) inject_.close([](task_header* t) { t->drop_ref(); });
    if (w->drv) w->drv->shutdown();
  }

  runtime_config cfg_;
  std::vector<std::unique_ptr<worker>> workers_;
  inject_queue inject_;
  owned_tasks owned_;
  idle idle_;
  alignas(cache_line) atomic<bool> shutdown_{false};
  std::mutex shutdown_mu_;
  bool shutdown_done_ = false;  // guarded by shutdown_mu_
  atomic<std::size_t> next_owner_{0};
  atomic<std::uint64_t> spawned_outside_{0};
  atomic<std::uint64_t> completed_outside_{0};
  atomic<long> refs_{1};
  atomic<bool> block_on_active_{false};
  std::thread::id ct_thread_;
  std::latch stop_latch_;
  std::latch io_latch_;
  std::latch cancel_latch_;
  blocking_pool blocking_;
  block_on_drivers block_on_drivers_;
};

} // namespace weft::detail

#include "weft/runtime/detail/root_loops.hpp"
