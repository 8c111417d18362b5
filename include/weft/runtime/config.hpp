// weft/runtime/config.hpp: runtime_config, everything runtime::builder sets.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>

#include "weft/runtime/driver.hpp"

namespace weft {

/// The settings of a runtime; built with runtime::builder.
struct runtime_config {
  /// Worker threads; 0 = one per core. Ignored by the current-thread flavour.
  std::size_t workers = 0;
  /// Current-thread flavour: no worker threads; tasks run inside block_on on the caller.
  bool current_thread = false;
  /// Pin worker i to core i (mod the cores available).
  bool pin_workers = false;
  /// Idle workers steal from busy ones. Off = shared-nothing thread-per-core: each task
  /// stays on the worker it was spawned on (or assigned to).
  bool enable_stealing = true;
  /// Worker thread names are `thread_name` + "-" + index (truncated to 15 bytes by Linux).
  std::string thread_name = "weft-worker";
  std::function<void()> on_thread_start;
  std::function<void()> on_thread_stop;
  /// Receives exceptions of tasks whose join handle is gone; default: stderr.
  std::function<void(std::exception_ptr)> on_unhandled_exception;
  /// Local run queue capacity (a power of two).
  std::size_t local_queue_capacity = 256;
  /// Ticks between driver turns (I/O and timers) while a worker has work.
  unsigned event_interval = 61;
  /// Ticks between inject-queue checks while a worker has local work.
  unsigned global_queue_interval = 31;
  /// Consecutive polls a LIFO-slot hand-off may take before the queue gets a turn.
  unsigned max_lifo_polls = 3;
  /// Most threads of the blocking pool.
  std::size_t max_blocking_threads = 512;
  /// Idle blocking threads retire after this long.
  std::chrono::milliseconds blocking_keep_alive{10'000};
  /// io_uring sizes for drivers that use them.
  unsigned sq_entries = 256;
  unsigned cq_entries = 0;
  /// Which I/O backend the default driver factory uses (ignored by a custom make_driver).
  io_backend backend = io_backend::automatic;
  /// Builds each worker's driver; empty = the default (the io_uring reactor when
  /// <weft/io.hpp> is included, else a sleep-only driver).
  driver_factory make_driver;
};

} // namespace weft
