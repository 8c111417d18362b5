// weft/task/task_waker.hpp: the waker of a spawned task (data: its task_header; each
// clone holds a reference) and the borrowed form lent for one poll (no reference).
#pragma once

#include <new>

#include "weft/core/waker.hpp"
#include "weft/task/scheduler_base.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

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
