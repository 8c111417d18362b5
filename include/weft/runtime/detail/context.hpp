// weft/runtime/detail/context.hpp: the thread-local "where am I" of the runtime: which
// scheduler the calling thread belongs to, which worker it is (if any), and which driver
// serves its leaf futures.
#pragma once

namespace weft {
class driver;
}

namespace weft::detail {

class scheduler;
struct worker;

struct thread_context {
  scheduler* sched = nullptr;
  worker* w = nullptr;
  driver* drv = nullptr;
};

inline thread_local constinit thread_context* current_context = nullptr;

/// Installs a context for a scope (nests; restores the previous one).
class context_guard {
public:
  explicit context_guard(thread_context* c) noexcept : saved_(current_context) {
    current_context = c;
  }
  context_guard(const context_guard&) = delete;
  context_guard& operator=(const context_guard&) = delete;
  ~context_guard() { current_context = saved_; }

private:
  thread_context* saved_;
};

/// True while a completing task wakes its joiner: that wake goes to the back of the run
/// queue instead of the LIFO slot. The joiner then finds many finished handles per poll
/// instead of being polled once per finished child, and the LIFO slot stays for message
/// passing between running tasks.
inline thread_local constinit bool waking_joiner = false;

/// The driver of the calling thread, or null outside a runtime.
inline driver* current_driver() noexcept {
  return current_context != nullptr ? current_context->drv : nullptr;
}

} // namespace weft::detail
