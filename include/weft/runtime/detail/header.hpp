// weft/runtime/detail/header.hpp: task_header, the type-erased front of every spawned task
// (one allocation: header, future and output together, see cell.hpp), its vtable, the
// scheduler interface a task is woken into, and the task waker.
//
// Protocol: fields other than `state` and `join_waker` are written once before the task is
// published (spawn) and read-only afterwards, except `queue_next` (owned by whichever queue
// holds the task: at most one, invariant 1 of state.hpp) and the owned-list links (guarded by
// that shard's lock). `join_waker` is owned by the join handle while state.join_waker is clear
// and by the runtime while it is set (see state.hpp).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <new>
#include <mutex>
#include <optional>
#include <vector>

#include "weft/core/waker.hpp"
#include "weft/runtime/detail/state.hpp"

namespace weft::detail {

struct task_header;

/// Where a task goes when it is woken. Implemented by the scheduler and the blocking pool.
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

/// The schedulers alive right now, so a join handle that outlives its runtime can tell
/// whether the runtime's exception hook is still there (see cell.hpp, drop_output).
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
};

/// Per-future-type operations. Slots:
/// - `run(t)`: one scheduled poll (the harness); consumes the run-queue reference.
/// - `dealloc(t)`: frees the cell; called when the refcount reaches zero.
/// - `read_output(t, dst)`: moves the output into the join_result<T> at `dst` (join handle,
///   after it saw complete).
/// - `drop_output(t)`: destroys an output nobody will read.
/// - `shutdown(t)`: destroys the future of a task claimed by transition_to_shutdown and
///   completes it as cancelled.
struct task_vtable {
  void (*run)(task_header* t);
  void (*dealloc)(task_header* t);
  void (*read_output)(task_header* t, void* dst);
  void (*drop_output)(task_header* t);
  void (*shutdown)(task_header* t);
};

struct task_header {
  task_state state;
  const task_vtable* vtable;
  scheduler_base* scheduler;
  task_header* queue_next = nullptr;
  task_header* owned_prev = nullptr;
  task_header* owned_next = nullptr;
  std::uint32_t owned_shard = 0;
  /// The worker the task must run on (spawn_local, thread-per-core); -1: any worker.
  std::int32_t owner_worker = -1;
  std::optional<waker> join_waker;

  task_header(std::uint64_t refs, const task_vtable* vt, scheduler_base* s) noexcept
      : state(refs), vtable(vt), scheduler(s) {}

  void drop_ref() noexcept {
    if (state.ref_dec()) vtable->dealloc(this);
  }
};

/// The waker of a spawned task: data is the task_header, each clone holds a reference.
struct task_waker {
  static task_header* self(const void* d) noexcept {
    return static_cast<task_header*>(const_cast<void*>(d));
  }
  static const void* clone(const void* d) noexcept {
    self(d)->state.ref_inc();
    return d;
  }
  static void wake_by_ref(const void* d) {
    task_header* t = self(d);
    if (t->state.transition_to_notified() == task_state::to_notified::submit)
      t->scheduler->schedule(t, false);
  }
  static void wake(const void* d) {
    wake_by_ref(d);
    self(d)->drop_ref();
  }
  static void drop(const void* d) noexcept { self(d)->drop_ref(); }
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};
};

/// A waker lent for the duration of one poll: it owns no reference, so it is never dropped.
class borrowed_task_waker {
public:
  explicit borrowed_task_waker(task_header* t) noexcept {
    // Safety: storage fits a waker; it is never destroyed, matching the missing reference.
    ::new (static_cast<void*>(storage_)) waker(t, &task_waker::vtable);
  }
  borrowed_task_waker(const borrowed_task_waker&) = delete;
  borrowed_task_waker& operator=(const borrowed_task_waker&) = delete;
  [[nodiscard]] const waker& get() const noexcept {
    // Safety: constructed in the constructor above.
    return *std::launder(reinterpret_cast<const waker*>(storage_));
  }

private:
  alignas(waker) unsigned char storage_[sizeof(waker)];
};

} // namespace weft::detail
