// weft/runtime/metrics.hpp: runtime_metrics, a snapshot of per-worker counters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft {

/// Counters of one worker since the runtime started.
struct worker_metrics {
  std::uint64_t polls = 0;            ///< task polls run
  std::uint64_t steals = 0;           ///< successful steal operations (batches)
  std::uint64_t stolen_tasks = 0;     ///< tasks taken by those steals
  std::uint64_t parks = 0;            ///< times the worker went to sleep
  std::uint64_t spawned = 0;          ///< tasks spawned from this worker
  std::uint64_t completed = 0;        ///< tasks that completed on this worker
  std::uint64_t overflows = 0;        ///< local-queue overflows into the inject queue
  std::size_t local_queue_depth = 0;  ///< tasks in the local queue at snapshot time
};

/// A snapshot of a runtime's counters. Values are read without stopping the workers, so
/// they are each exact but not mutually consistent.
struct runtime_metrics {
  std::vector<worker_metrics> workers;
  std::uint64_t spawned_outside = 0;    ///< tasks spawned from non-worker threads
  std::uint64_t completed_outside = 0;  ///< tasks completed off the workers (shutdown)
  std::size_t inject_queue_depth = 0;
  std::size_t live_tasks = 0;           ///< spawned and not yet completed
  std::size_t blocking_threads = 0;     ///< threads of the blocking pool
  std::size_t blocking_idle_threads = 0;
};

} // namespace weft
