// weft/runtime/detail/owned_tasks.hpp: the list of every live task of a runtime, so shutdown
// can cancel the ones that sit idle (reachable only through their wakers). Sharded: one
// shard per worker plus one for spawns from outside, each an intrusive list under a spin
// lock that is almost never contended (a task is usually spawned and completed on one
// worker).
//
// Protocol: a task is linked at spawn (unless the shard is closed, which refuses the spawn)
// and unlinked once, at completion, by the completing thread. Each link holds one task
// reference, dropped by the completer (scheduler_base::release). close() is called at
// shutdown after every worker stopped polling; it marks the shards closed and lets the caller
// claim each remaining task with transition_to_shutdown.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "weft/detail/atomic.hpp"
#include "weft/detail/spin_lock.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

class owned_tasks {
public:
  explicit owned_tasks(std::size_t shards) : shards_(shards) {}

  /// Links `t` into `shard`. False when closed (shutdown): the spawn is refused.
  bool insert(task_header* t, std::uint32_t shard) noexcept {
    shard_t& s = shards_[shard % shards_.size()];
    t->owned_shard = static_cast<std::uint16_t>(shard % shards_.size());
    s.lock.lock();
    if (s.closed) {
      s.lock.unlock();
      return false;
    }
    t->owned_prev = nullptr;
    t->owned_next = s.head;
    if (s.head != nullptr) s.head->owned_prev = t;
    s.head = t;
    ++s.count;
    s.lock.unlock();
    return true;
  }

  void remove(task_header* t) noexcept {
    shard_t& s = shards_[t->owned_shard];
    s.lock.lock();
    if (t->owned_prev != nullptr) {
      t->owned_prev->owned_next = t->owned_next;
    } else {
      s.head = t->owned_next;
    }
    if (t->owned_next != nullptr) t->owned_next->owned_prev = t->owned_prev;
    t->owned_prev = t->owned_next = nullptr;
    --s.count;
    s.lock.unlock();
  }

  /// Refuses further inserts.
  void close() noexcept {
    for (auto& s : shards_) {
      s.lock.lock();
      s.closed = true;
      s.lock.unlock();
    }
  }

  /// Shutdown: claims and cancels every idle task of `shard` (complete() unlinks each).
  /// Returns how many it cancelled.
  std::size_t shutdown_shard(std::size_t shard) {
    std::size_t n = 0;
    for (;;) {
      shard_t& s = shards_[shard];
      s.lock.lock();
      task_header* t = s.head;
      while (t != nullptr && !t->state.transition_to_shutdown()) t = t->owned_next;
      if (t != nullptr) t->state.ref_inc();  // keep it alive across the unlock
      s.lock.unlock();
      if (t == nullptr) return n;
      t->vtable->shutdown(t);
      t->drop_ref();
      ++n;
    }
  }

  [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }
  [[nodiscard]] std::size_t live() noexcept {
    std::size_t n = 0;
    for (auto& s : shards_) {
      s.lock.lock();
      n += s.count;
      s.lock.unlock();
    }
    return n;
  }

private:
  struct alignas(cache_line) shard_t {
    spin_lock lock;
    task_header* head = nullptr;
    std::size_t count = 0;
    bool closed = false;
  };
  std::vector<shard_t> shards_;
};

} // namespace weft::detail
