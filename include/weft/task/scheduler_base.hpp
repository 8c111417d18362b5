// weft/task/scheduler_base.hpp: scheduler_base, what a spawned task is scheduled
// through (the runtime's scheduler and its blocking pool implement it), and the registry of
// live schedulers, which lets a join handle that outlives its runtime know whether that
// runtime's exception hook is still there.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace weft::detail {

struct task_header;

class scheduler_base {
public:
  /// Queues `t`, taking over the run-queue reference the caller holds. `yield`: the task woke
  /// itself while running; it goes behind the queued tasks instead of the LIFO slot.
  virtual void schedule(task_header* t, bool yield) = 0;
  /// Called once when `t` completes; returns how many references the scheduler drops for it
  /// (its owned-task list entry).
  virtual std::uint64_t release(task_header* t) noexcept = 0;
  /// Receives the exception of a task whose join handle is gone.
  virtual void unhandled_exception(std::exception_ptr e) noexcept = 0;
  /// A copy of the hook unhandled_exception calls (empty: the process-wide one). Lets a
  /// caller that found this scheduler under the registry lock call the hook after unlocking.
  virtual std::function<void(std::exception_ptr)> exception_hook() const = 0;

protected:
  scheduler_base() = default;
  scheduler_base(const scheduler_base&) = default;
  scheduler_base& operator=(const scheduler_base&) = default;
  ~scheduler_base() = default;
};

/// The schedulers alive right now (see the file comment).
struct scheduler_registry {
  std::mutex mu;
  std::vector<const scheduler_base*> live;

  static scheduler_registry& get() {
    // Leaked on purpose: detached blocking threads may still unregister during exit.
    static auto* r = new scheduler_registry;
    return *r;
  }
  void add(const scheduler_base* s) {
    std::lock_guard lock(mu);
    live.push_back(s);
  }
  void remove(const scheduler_base* s) {
    std::lock_guard lock(mu);
    std::erase(live, s);
  }
  /// The hook of `s` if it is still alive, else empty.
  std::function<void(std::exception_ptr)> hook_of(const scheduler_base* s) {
    std::lock_guard lock(mu);
    if (std::find(live.begin(), live.end(), s) == live.end()) return {};
    return s->exception_hook();
  }
};

} // namespace weft::detail
