// weft/runtime/detail/worker.hpp: worker, the per-thread state of one scheduler worker: its
// run queues, LIFO slot, driver, idle flags and counters. Its loop is the scheduler's
// (scheduler.hpp: run_worker); idle coordination is idle.hpp.
//
// Protocol: `queue` is shared with thieves (local_queue.hpp); `remote` with every thread
// that wakes a task pinned here (inject_queue.hpp); `in_sleepers` and `woken_to_search` are
// guarded by the idle mutex (idle.hpp); the counters are written only by the owner (relaxed,
// read by metrics snapshots); everything else belongs to the owner thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "weft/detail/atomic.hpp"
#include "weft/runtime/detail/inject_queue.hpp"
#include "weft/runtime/detail/local_queue.hpp"
#include "weft/runtime/detail/thread_binding.hpp"
#include "weft/runtime/driver.hpp"

namespace weft::detail {

/// A counter written by one thread and read by others: no RMW needed.
class owner_counter {
public:
  void add(std::uint64_t n = 1) noexcept {
    // relaxed: a statistic; only the owner writes, readers accept any recent value.
    v_.store(v_.load(memory_order_relaxed) + n, memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept {
    return v_.load(memory_order_relaxed);  // relaxed: as above
  }

private:
  atomic<std::uint64_t> v_{0};
};

struct worker {
  worker(scheduler* s, std::size_t i, std::size_t queue_capacity)
      : index(i), queue(queue_capacity), rng(static_cast<std::uint32_t>(0x9e3779b9u * (i + 1))) {
    binding.sched = s;
    binding.w = this;
  }

  const std::size_t index;
  local_queue queue;
  inject_queue remote;  // tasks pinned to this worker, woken from elsewhere
  task_header* lifo = nullptr;
  unsigned lifo_polls = 0;
  bool searching = false;
  std::uint32_t rng;
  std::uint64_t tick = 0;
  std::unique_ptr<driver> drv;
  thread_binding binding;
  std::thread thread;

  // Guarded by the idle mutex.
  bool in_sleepers = false;
  bool woken_to_search = false;

  owner_counter polls, steals, stolen_tasks, parks, spawned, completed, overflows;

  std::uint32_t next_random() noexcept {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
  }
};

} // namespace weft::detail
