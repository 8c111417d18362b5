// weft/runtime/runtime_builder.hpp: runtime_builder, the fluent settings of a runtime
// (`weft::runtime::builder().workers(2).build()`).
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <utility>

#include "weft/runtime/config.hpp"
#include "weft/runtime/runtime.hpp"

namespace weft {

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
  /// The I/O backend (default automatic: io_uring when available, else epoll; see
  /// weft/runtime/io_backend.hpp). Errors at build(): io_backend::io_uring where io_uring is
  /// unavailable throws std::system_error naming the cause.
  runtime_builder& io_backend(weft::io_backend b) { return set(cfg_.backend, b); }
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
