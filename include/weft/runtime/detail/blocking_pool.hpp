// weft/runtime/detail/blocking_pool.hpp: the elastic thread pool behind spawn_blocking. Each
// job is a task cell whose future runs the function on its first poll; the pool is that
// task's scheduler. Threads start on demand up to a maximum and retire after idling.
//
// Protocol: every field of state_t is guarded by its mutex. Threads are detached and hold a
// shared_ptr to the state, which is also the scheduler the pool's tasks point at, and a
// reference to the pool's owner (the runtime's scheduler, through `owner_ref`), taken before
// the thread starts and dropped as its last act: shutdown can stop waiting after its timeout
// without leaving a thread, or a job completing (or spawning) after the runtime is gone, with a
// dangling pointer. Shutdown cancels queued jobs (they never start) and waits for running ones
// until the timeout; a running job cannot be interrupted. A thread that cannot be started
// (std::thread throws) leaves the counts as they were; when no thread is left to run the job,
// the error reaches the spawn_blocking caller.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include <pthread.h>

#include "weft/core/future.hpp"
#include "weft/runtime/detail/thread_binding.hpp"
#include "weft/task/scheduler_base.hpp"
#include "weft/task/task_header.hpp"
#include "weft/task/unhandled_exception.hpp"

namespace weft::detail {

/// The future a blocking job runs as: calls `fn` on its first poll.
template <class Fn> class blocking_future {
public:
  explicit blocking_future(Fn fn) : fn_(std::move(fn)) {}
  auto poll(context&) -> ::weft::poll<std::invoke_result_t<Fn&>> {
    using R = std::invoke_result_t<Fn&>;
    if constexpr (std::is_void_v<R>) {
      fn_();
      return ready();
    } else {
      return ::weft::poll<R>(std::in_place, fn_());
    }
  }

private:
  Fn fn_;
};

/// How a pool thread keeps its owner (the scheduler) alive: `retain(owner)` before the
/// thread starts, `release(owner)` when it ends.
struct owner_ref {
  void* owner = nullptr;
  void (*retain)(void*) noexcept = nullptr;
  void (*release)(void*) noexcept = nullptr;
};

class blocking_pool {
public:
  blocking_pool(std::size_t max_threads, std::chrono::milliseconds keep_alive,
                thread_binding ctx, std::string name, owner_ref owner)
      : state_(std::make_shared<state_t>()) {
    state_->owner = owner;
    state_->max_threads = max_threads == 0 ? 1 : max_threads;
    state_->keep_alive = keep_alive;
    state_->ctx = ctx;
    state_->name = std::move(name);
    state_->self = state_;
    scheduler_registry::get().add(state_.get());
  }
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;
  ~blocking_pool() {
    shutdown(std::chrono::milliseconds(0));
    std::lock_guard lock(state_->mu);
    state_->self.reset();  // detached threads keep the state alive while they run
  }

  void set_exception_hook(std::function<void(std::exception_ptr)> h) {
    std::lock_guard lock(state_->mu);
    state_->hook = std::move(h);
  }

  /// The scheduler the pool's tasks point at. It lives in the shared state, so a job that
  /// outlives the runtime (shutdown stopped waiting for it) still completes safely.
  [[nodiscard]] scheduler_base* scheduler() const noexcept { return state_.get(); }

  /// Cancels queued jobs and waits up to `timeout` for running ones. Returns true when every
  /// thread exited in time.
  bool shutdown(std::chrono::milliseconds timeout) {
    std::deque<task_header*> queued;
    std::unique_lock lock(state_->mu);
    state_->shutdown = true;
    queued.swap(state_->queue);
    state_->cv.notify_all();
    lock.unlock();
    for (task_header* t : queued) state_t::cancel(t);
    lock.lock();
    return state_->exited.wait_for(lock, timeout, [&] { return state_->threads == 0; });
  }

  [[nodiscard]] std::size_t threads() const {
    std::lock_guard lock(state_->mu);
    return state_->threads;
  }
  [[nodiscard]] std::size_t idle_threads() const {
    std::lock_guard lock(state_->mu);
    return state_->idle;
  }

private:
  struct state_t final : scheduler_base {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::condition_variable exited;
    std::deque<task_header*> queue;
    std::size_t threads = 0;
    std::size_t idle = 0;
    std::size_t max_threads = 512;
    std::size_t next_id = 0;
    std::chrono::milliseconds keep_alive{10'000};
    bool shutdown = false;
    thread_binding ctx;
    std::string name;
    std::function<void(std::exception_ptr)> hook;
    owner_ref owner;
    std::shared_ptr<state_t> self;  // the pool's own reference, handed to new threads

    state_t() = default;
    state_t(const state_t&) = delete;
    state_t& operator=(const state_t&) = delete;
    ~state_t() { scheduler_registry::get().remove(this); }

    void schedule(task_header* t, bool) override {
      std::unique_lock lock(mu);
      if (shutdown) {
        lock.unlock();
        cancel(t);
        return;
      }
      queue.push_back(t);
      if (idle > 0) cv.notify_one();
      // Start a thread unless enough idle ones are already waiting for the queued jobs: jobs
      // that wait on each other must each get a thread while the pool is under its limit.
      if (queue.size() > idle && threads < max_threads && self) {
        ++threads;
        std::shared_ptr<state_t> st = self;
        lock.unlock();
        if (owner.retain != nullptr) owner.retain(owner.owner);
        try {
          std::thread th([st] { thread_main(*st); });
          th.detach();
        } catch (...) {
          if (owner.release != nullptr) owner.release(owner.owner);
          lock.lock();
          --threads;
          // Someone else will run the job later: it is only delayed. Nobody: report it.
          const bool stranded = threads == 0 && !queue.empty() && queue.back() == t;
          if (stranded) queue.pop_back();
          lock.unlock();
          if (stranded) {
            cancel(t);
            throw;
          }
        }
      }
    }

    std::function<void(std::exception_ptr)> exception_hook() const override {
      std::lock_guard lock(mu);
      return hook;
    }

    std::uint64_t release(task_header*) noexcept override { return 0; }

    void unhandled_exception(std::exception_ptr e) noexcept override {
      std::function<void(std::exception_ptr)> h;
      {
        std::lock_guard lock(mu);
        h = hook;
      }
      if (h) {
        try {
          h(e);
          return;
        } catch (...) {
        }
      }
      report_unhandled_exception(e);
    }

    static void cancel(task_header* t) {
      // The job never started: claim it, complete it as cancelled, drop the queue reference.
      if (t->state.transition_to_shutdown()) t->vtable->shutdown(t);
      t->drop_ref();
    }
  };

  static void thread_main(state_t& st) {
    std::size_t id = 0;
    {
      std::lock_guard lock(st.mu);
      id = st.next_id++;
    }
    const std::string name = (st.name + "-blk-" + std::to_string(id)).substr(0, 15);
    pthread_setname_np(pthread_self(), name.c_str());
    thread_binding ctx = st.ctx;
    ctx.w = nullptr;
    ctx.drv = nullptr;
    binding_guard guard(&ctx);
    std::unique_lock lock(st.mu);
    for (;;) {
      if (!st.queue.empty()) {
        task_header* t = st.queue.front();
        st.queue.pop_front();
        lock.unlock();
        t->vtable->run(t);
        lock.lock();
        continue;
      }
      if (st.shutdown) break;
      ++st.idle;
      const bool woke =
          st.cv.wait_for(lock, st.keep_alive, [&] { return !st.queue.empty() || st.shutdown; });
      --st.idle;
      if (!woke) break;  // idle for keep_alive: retire
    }
    --st.threads;
    st.exited.notify_all();
    const owner_ref owner = st.owner;
    lock.unlock();
    // Last: this may destroy the scheduler (and the pool object in it, not the state).
    if (owner.release != nullptr) owner.release(owner.owner);
  }

  std::shared_ptr<state_t> state_;
};

} // namespace weft::detail
