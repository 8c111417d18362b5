// weft/runtime/detail/root_loops.hpp: the two loops behind rt.block_on(f): on a multi-thread
// runtime the calling thread polls the root with a driver lent to it (block_on_drivers.hpp)
// while workers run the spawned tasks; on a current-thread runtime the calling thread is the
// runtime's only worker, and runs spawned tasks between polls of the root.
//
// Both construct the root inside the thread's binding, so destroying it (a timeout's
// deadline, an operation in flight when the root throws) finds this thread's driver, and
// poll it under a cooperative budget, like a task.
#pragma once

#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/runtime/detail/root_waker.hpp"
#include "weft/runtime/detail/scheduler.hpp"

namespace weft::detail {

struct root_loops {
  template <class F> static future_output_t<F> on_lent_driver(scheduler& s, F f) {
    auto lease = s.block_on_drivers_.acquire(s.config_for(-1));
    driver* drv = lease.get();
    thread_binding binding{&s, nullptr, drv};
    binding_guard guard(&binding);
    F fut = std::move(f);
    root_waker root(drv);
    const waker w = root.make_waker();
    context cx(w);
    for (;;) {
      if (!root.take_notification()) {
        drv->park(std::nullopt);
        continue;
      }
      coop::budget_scope budget(coop::task_budget());
      auto p = fut.poll(cx);
      if (p.is_ready()) {
        root.detach();
        return p.take();  // also for void: returning a void expression
      }
    }
  }

  template <class F> static future_output_t<F> on_current_thread(scheduler& s, F f) {
    worker* w = s.workers_[0].get();
    if (s.ct_thread_ != std::this_thread::get_id()) {
      WEFT_THROW(std::logic_error("weft: block_on of a current-thread runtime from a thread other "
                                  "than the one that built it (its io_uring belongs to that "
                                  "thread)"));
    }
    // Only the building thread gets here, so this guards against nesting, not concurrency.
    if (s.block_on_active_.exchange(true)) {
      WEFT_THROW(std::logic_error("weft: nested block_on on a current-thread runtime (from inside "
                                  "its block_on); co_await the future instead"));
    }
    struct active_reset {
      atomic<bool>& flag;
      ~active_reset() { flag.store(false); }
    } reset{s.block_on_active_};
    binding_guard guard(&w->binding);
    // Returning leaves no wake-up read of the driver's own in flight, so a runtime with no
    // I/O in flight can be destroyed from any thread (see scheduler::shutdown_from_owner).
    struct settle_on_exit {
      driver* d;
      ~settle_on_exit() { d->settle(); }
    } settle{w->drv.get()};
    F fut = std::move(f);
    root_waker root(w->drv.get());
    const waker wk = root.make_waker();
    context cx(wk);
    for (;;) {
      if (root.take_notification()) {
        coop::budget_scope budget(coop::task_budget());
        auto p = fut.poll(cx);
        if (p.is_ready()) {
          root.detach();
          return p.take();  // also for void: returning a void expression
        }
      }
      bool ran = false;
      for (unsigned i = 0; i < s.cfg_.event_interval; ++i) {
        task_header* t = s.next_task(w);
        if (t == nullptr) break;
        s.run_task(w, t);
        ran = true;
        if (root.is_notified()) break;
      }
      if (ran) continue;
      w->drv->turn();
      if (root.is_notified()) continue;
      s.park_worker(w, [&] { return root.is_notified(); });
    }
  }
};

template <future F> future_output_t<F> scheduler::block_on(F f) {
  if (current_binding != nullptr && current_binding->w != nullptr) {
    WEFT_THROW(std::logic_error("weft: block_on called on a runtime worker thread; it would "
                                "block the worker (co_await the future instead)"));
  }
  if (cfg_.current_thread) return root_loops::on_current_thread(*this, std::move(f));
  return root_loops::on_lent_driver(*this, std::move(f));
}

} // namespace weft::detail
