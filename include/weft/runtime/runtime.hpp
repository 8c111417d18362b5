// weft/runtime/runtime.hpp: runtime (owns the workers), runtime_builder, and handle (a
// cheap reference to a runtime for spawning from anywhere).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/runtime/config.hpp"
#include "weft/runtime/detail/scheduler.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/runtime/metrics.hpp"

namespace weft {

class runtime_builder;

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
    auto* c = detail::current_context;
    if (c == nullptr || c->sched == nullptr)
      WEFT_THROW(spawn_error("weft: not inside a runtime (use runtime::block_on or a handle)"));
    return handle(c->sched);
  }
  /// The calling thread's runtime, or an empty handle.
  static handle try_current() noexcept {
    auto* c = detail::current_context;
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

/// Fluent settings for a runtime.
class runtime_builder {
public:
  runtime_builder() = default;
  /// Worker threads (0: one per core).
  runtime_builder& workers(std::size_t n) { return set(cfg_.workers, n); }
  /// The current-thread flavour: tasks run on the thread that builds the runtime, inside
  /// its block_on calls.
  runtime_builder& current_thread() { return set(cfg_.current_thread, true); }
  runtime_builder& pin_workers(bool on = true) { return set(cfg_.pin_workers, on); }
  runtime_builder& enable_stealing(bool on = true) { return set(cfg_.enable_stealing, on); }
  /// Shared-nothing thread-per-core: pinned workers, no stealing.
  runtime_builder& thread_per_core() {
    cfg_.pin_workers = true;
    cfg_.enable_stealing = false;
    return *this;
  }
  runtime_builder& thread_name(std::string name) { return set(cfg_.thread_name, std::move(name)); }
  runtime_builder& on_thread_start(std::function<void()> f) {
    return set(cfg_.on_thread_start, std::move(f));
  }
  runtime_builder& on_thread_stop(std::function<void()> f) {
    return set(cfg_.on_thread_stop, std::move(f));
  }
  runtime_builder& on_unhandled_exception(std::function<void(std::exception_ptr)> f) {
    return set(cfg_.on_unhandled_exception, std::move(f));
  }
  runtime_builder& local_queue_capacity(std::size_t n) { return set(cfg_.local_queue_capacity, n); }
  runtime_builder& event_interval(unsigned n) { return set(cfg_.event_interval, n); }
  runtime_builder& global_queue_interval(unsigned n) { return set(cfg_.global_queue_interval, n); }
  runtime_builder& max_lifo_polls(unsigned n) { return set(cfg_.max_lifo_polls, n); }
  runtime_builder& max_blocking_threads(std::size_t n) { return set(cfg_.max_blocking_threads, n); }
  runtime_builder& blocking_keep_alive(std::chrono::milliseconds d) {
    return set(cfg_.blocking_keep_alive, d);
  }
  runtime_builder& ring_entries(unsigned sq, unsigned cq = 0) {
    cfg_.sq_entries = sq;
    cfg_.cq_entries = cq;
    return *this;
  }
  runtime_builder& driver(driver_factory f) { return set(cfg_.make_driver, std::move(f)); }

  [[nodiscard]] const runtime_config& config() const noexcept { return cfg_; }
  [[nodiscard]] runtime build() const { return runtime(cfg_); }

private:
  template <class Field, class V> runtime_builder& set(Field& f, V&& v) {
    f = std::forward<V>(v);
    return *this;
  }
  runtime_config cfg_;
};

inline runtime_builder runtime::builder() { return {}; }

} // namespace weft
