// weft/runtime/handle.hpp: handle, a cheap, copyable reference to a runtime, for spawning
// from anywhere (a task, a blocking job, another thread).
#pragma once

#include <cstddef>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/runtime/detail/scheduler.hpp"
#include "weft/runtime/metrics.hpp"
#include "weft/runtime/spawn_error.hpp"
#include "weft/task/join_handle.hpp"

namespace weft {

/// A reference to a runtime. Copyable; it keeps the runtime's shell alive (not its
/// workers), so a handle that outlives its runtime stays safe to use: spawning through it then
/// throws spawn_error.
///
/// Thread safety: every member may be called from any thread.
class handle {
public:
  handle() noexcept = default;
  /// Takes a new reference to `s`.
  explicit handle(detail::scheduler* s) noexcept : s_(s) {
    if (s_ != nullptr) s_->add_ref();
  }
  handle(const handle& o) noexcept : handle(o.s_) {}
  handle(handle&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  handle& operator=(handle o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~handle() {
    if (s_ != nullptr) s_->release();
  }

  /// The runtime the calling thread runs in (a worker, a blocking thread, or inside
  /// block_on). Errors: throws spawn_error outside any runtime.
  static handle current() {
    auto* c = detail::current_binding;
    if (c == nullptr || c->sched == nullptr)
      WEFT_THROW(spawn_error("weft: not inside a runtime (use runtime::block_on or a handle)"));
    return handle(c->sched);
  }
  /// The calling thread's runtime, or an empty handle.
  static handle try_current() noexcept {
    auto* c = detail::current_binding;
    return handle(c != nullptr ? c->sched : nullptr);
  }

  /// Spawns `f` onto the runtime; it starts running at once, in the background.
  /// Errors: spawn_error when the runtime is shutting down or gone.
  template <future F> join_handle<future_output_t<F>> spawn(F f) const {
    return sched().spawn(std::move(f));
  }
  /// Spawns `f` pinned to worker `worker % num_workers()`: it runs only there.
  template <future F> join_handle<future_output_t<F>> spawn_on(std::size_t worker, F f) const {
    return sched().spawn(std::move(f), static_cast<int>(worker % sched().num_workers()));
  }
  /// Runs `fn()` on the blocking pool; the handle gives its result (cancelled once the
  /// runtime shut down).
  template <class Fn> auto spawn_blocking(Fn fn) const {
    return sched().spawn_blocking(std::move(fn));
  }
  /// Runs `f` to completion on the calling thread.
  /// Errors: std::logic_error when called on one of the runtime's workers (await `f`
  /// instead), or from a thread a current-thread runtime does not run on.
  template <future F> future_output_t<F> block_on(F f) const {
    return sched().block_on(std::move(f));
  }

  [[nodiscard]] runtime_metrics metrics() const { return sched().metrics(); }
  [[nodiscard]] std::size_t num_workers() const { return sched().num_workers(); }
  [[nodiscard]] bool valid() const noexcept { return s_ != nullptr; }
  friend bool operator==(const handle& a, const handle& b) noexcept { return a.s_ == b.s_; }

private:
  detail::scheduler& sched() const {
    WEFT_ASSERT(s_ != nullptr, "empty runtime handle");
    return *s_;
  }
  detail::scheduler* s_ = nullptr;
};

} // namespace weft
