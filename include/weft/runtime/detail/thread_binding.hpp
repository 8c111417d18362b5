// weft/runtime/detail/thread_binding.hpp: thread_binding, the runtime's "where am I" for the
// calling thread: which scheduler it belongs to, which worker it is (if any), and which driver
// serves its leaf futures. (Not to be confused with weft::context, what one poll receives.)
#pragma once

namespace weft {
class driver;
}

namespace weft::detail {

class scheduler;
struct worker;

struct thread_binding {
  scheduler* sched = nullptr;
  worker* w = nullptr;
  driver* drv = nullptr;
};

inline thread_local constinit thread_binding* current_binding = nullptr;

/// Installs a binding for a scope (nests; restores the previous one).
class binding_guard {
public:
  explicit binding_guard(thread_binding* b) noexcept : saved_(current_binding) {
    current_binding = b;
  }
  binding_guard(const binding_guard&) = delete;
  binding_guard& operator=(const binding_guard&) = delete;
  ~binding_guard() { current_binding = saved_; }

private:
  thread_binding* saved_;
};

/// The driver of the calling thread, or null outside a runtime.
inline driver* current_driver() noexcept {
  return current_binding != nullptr ? current_binding->drv : nullptr;
}

} // namespace weft::detail
