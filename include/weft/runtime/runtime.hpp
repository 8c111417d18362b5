// weft/runtime/runtime.hpp: runtime, which owns the workers (or, in the current-thread
// flavour, runs on the thread that built it), a blocking pool and the drivers.
#pragma once

#include <chrono>
#include <cstddef>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/runtime/config.hpp"
#include "weft/runtime/detail/scheduler.hpp"
#include "weft/runtime/handle.hpp"
#include "weft/runtime/metrics.hpp"
#include "weft/task/join_handle.hpp"

namespace weft {

class runtime_builder;

/// A set of worker threads (or the calling thread, in the current-thread flavour) that run
/// spawned tasks, plus a blocking pool.
///
/// Errors: constructing fails with the driver's exception (e.g. io_uring unavailable).
/// Shutdown: the destructor (or shutdown()) cancels every task, destroying each future
/// exactly once on a worker, and joins the workers.
class runtime {
public:
  /// Builds a runtime with `cfg` (see runtime_builder for the knobs).
  explicit runtime(runtime_config cfg = {}) : s_(new detail::scheduler(std::move(cfg))) {}
  runtime(runtime&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  runtime& operator=(runtime&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  /// Shuts the runtime down (see shutdown()) and drops the runtime's reference to it.
  /// Destroying a runtime from inside one of its own tasks is fatal (a worker cannot join
  /// itself); a current-thread runtime must be destroyed on the thread that built it unless it
  /// has no I/O in flight.
  ~runtime() { reset(); }

  /// A builder: `auto rt = weft::runtime::builder().workers(2).build();`
  static runtime_builder builder();

  template <future F> future_output_t<F> block_on(F f) { return s_->block_on(std::move(f)); }
  template <future F> join_handle<future_output_t<F>> spawn(F f) {
    return s_->spawn(std::move(f));
  }
  template <class Fn> auto spawn_blocking(Fn fn) { return s_->spawn_blocking(std::move(fn)); }
  [[nodiscard]] weft::handle handle() const noexcept { return weft::handle(s_); }
  [[nodiscard]] runtime_metrics metrics() const { return s_->metrics(); }
  [[nodiscard]] std::size_t num_workers() const noexcept { return s_->num_workers(); }

  /// Cancels all tasks, stops the workers and waits up to `timeout` for blocking jobs
  /// (which cannot be interrupted). Idempotent.
  void shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) {
    if (s_) s_->shutdown(timeout);
  }

private:
  void reset() noexcept {
    detail::scheduler* s = std::exchange(s_, nullptr);
    if (s == nullptr) return;
    s->shutdown_from_owner();
    s->release();
  }
  detail::scheduler* s_;
};

} // namespace weft

#include "weft/runtime/runtime_builder.hpp"
