// weft/task/unhandled_exception.hpp: the process-wide fallback for a task exception that
// nobody observed and no runtime hook took (e.g. the join handle was dropped unread after the
// runtime was gone). Default: print to stderr; never silently lost.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>

namespace weft::detail {

struct unhandled_hook_state {
  std::mutex mu;
  std::function<void(std::exception_ptr)> hook;
};
inline unhandled_hook_state& unhandled_hook() {
  // Leaked on purpose: detached blocking threads may report during exit.
  static auto* s = new unhandled_hook_state;
  return *s;
}

inline void default_unhandled(const std::exception_ptr& e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "weft: unhandled exception in a detached task: %s\n", ex.what());
  } catch (...) {
    std::fprintf(stderr, "weft: unhandled non-standard exception in a detached task\n");
  }
}

inline void report_unhandled_exception(const std::exception_ptr& e) noexcept {
  std::function<void(std::exception_ptr)> h;
  {
    std::lock_guard lock(unhandled_hook().mu);
    h = unhandled_hook().hook;
  }
  if (h) {
    try {
      h(e);
      return;
    } catch (...) {
    }
  }
  default_unhandled(e);
}

} // namespace weft::detail

namespace weft {
/// Sets the process-wide hook for task exceptions that nobody observed (a runtime's own
/// `on_unhandled_exception` hook takes precedence for its tasks). Thread safety: any thread.
inline void set_unhandled_exception_hook(std::function<void(std::exception_ptr)> hook) {
  std::lock_guard lock(detail::unhandled_hook().mu);
  detail::unhandled_hook().hook = std::move(hook);
}
} // namespace weft
