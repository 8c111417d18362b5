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

/// The driver of the calling thread, or null outside a runtime.
inline driver* current_driver() noexcept {
  return current_context != nullptr ? current_context->drv : nullptr;
}

} // namespace weft::detail
