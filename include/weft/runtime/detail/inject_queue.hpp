// weft/runtime/detail/inject_queue.hpp: the global queue for tasks spawned or woken from
// outside a worker and for local-queue overflow; also each worker's remote queue for tasks
// pinned to it. An intrusive FIFO (through task_header::queue_next) under a mutex, with an
// atomic length so empty checks take no lock.
//
// Protocol: head_, tail_ and closed_ are guarded by mu_. len_ is written under mu_ and read
// without it: a reader that sees 0 may miss a push in flight, so every push is followed by a
// notification (idle.hpp) and every parking worker re-checks after announcing itself, with
// seq_cst fences on both sides (Dekker), so no task is stranded.
#pragma once

#include <cstddef>
#include <mutex>

#include "weft/detail/atomic.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

class inject_queue {
public:
  inject_queue() = default;
  inject_queue(const inject_queue&) = delete;
  inject_queue& operator=(const inject_queue&) = delete;

  /// Appends `t`. Returns false (and leaves `t` alone) when the queue is closed.
  bool push(task_header* t) {
    t->queue_next = nullptr;
    return push_batch(t, t, 1);
  }

  /// Appends a linked batch first..last of `n` tasks. False when closed.
  bool push_batch(task_header* first, task_header* last, std::size_t n) {
    last->queue_next = nullptr;
    std::lock_guard lock(mu_);
    if (closed_) return false;
    if (tail_ != nullptr) {
      tail_->queue_next = first;
    } else {
      head_ = first;
    }
    tail_ = last;
    // relaxed: len_ is a hint; the mutex orders the list itself (see the protocol block).
    len_.store(len_.load(memory_order_relaxed) + n, memory_order_relaxed);
    return true;
  }

  /// Pops one task, or null.
  task_header* pop() {
    if (is_empty()) return nullptr;
    std::lock_guard lock(mu_);
    return pop_locked();
  }

  /// Pops up to `max` tasks into `sink(task)`; returns how many.
  template <class Sink> std::size_t pop_n(std::size_t max, Sink&& sink) {
    if (is_empty()) return 0;
    std::size_t n = 0;
    task_header* first = nullptr;
    {
      std::lock_guard lock(mu_);
      first = head_;
      task_header* last = nullptr;
      while (head_ != nullptr && n < max) {
        last = head_;
        head_ = head_->queue_next;
        ++n;
      }
      if (head_ == nullptr) tail_ = nullptr;
      if (last != nullptr) last->queue_next = nullptr;
      len_.store(len_.load(memory_order_relaxed) - n, memory_order_relaxed);
    }
    while (first != nullptr) {
      task_header* next = first->queue_next;
      first->queue_next = nullptr;
      sink(first);
      first = next;
    }
    return n;
  }

  [[nodiscard]] bool is_empty() const noexcept { return len_.load(memory_order_relaxed) == 0; }
  [[nodiscard]] std::size_t len() const noexcept { return len_.load(memory_order_relaxed); }

  /// Closes the queue (further pushes fail) and returns whatever it held, linked.
  task_header* close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    task_header* all = head_;
    head_ = tail_ = nullptr;
    len_.store(0, memory_order_relaxed);
    return all;
  }

private:
  task_header* pop_locked() noexcept {
    task_header* t = head_;
    if (t == nullptr) return nullptr;
    head_ = t->queue_next;
    if (head_ == nullptr) tail_ = nullptr;
    t->queue_next = nullptr;
    len_.store(len_.load(memory_order_relaxed) - 1, memory_order_relaxed);
    return t;
  }

  std::mutex mu_;
  task_header* head_ = nullptr;
  task_header* tail_ = nullptr;
  bool closed_ = false;
  atomic<std::size_t> len_{0};
};

} // namespace weft::detail
