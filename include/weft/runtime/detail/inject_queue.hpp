// weft/runtime/detail/inject_queue.hpp: the global queue for tasks spawned or woken from
// outside a worker and for local-queue overflow; also each worker's remote queue for tasks
// pinned to it. A FIFO of task pointers in fixed segments (not linked through the tasks:
// taking a batch copies pointers out of one or two segments, instead of chasing a pointer
// into every task's memory, which for a million queued tasks is a cache miss each), under a
// mutex, with an atomic length so empty checks take no lock.
//
// Protocol: segments, `head_`, `tail_`, `free_` and `closed_` are guarded by mu_. len_ is
// written under mu_ and read without it: a reader that sees 0 may miss a push in flight, so
// every push is followed by a notification (idle.hpp) and every parking worker re-checks after
// announcing itself, with seq_cst fences on both sides (Dekker), so no task is stranded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "weft/detail/atomic.hpp"
#include "weft/detail/frame_allocator.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

class inject_queue {
public:
  inject_queue() = default;
  inject_queue(const inject_queue&) = delete;
  inject_queue& operator=(const inject_queue&) = delete;
  ~inject_queue() {
    free_segments(head_);
    free_segments(free_);
  }

  /// Appends `t`. Returns false (and leaves `t` alone) when the queue is closed.
  bool push(task_header* t) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    append(t);
    bump_len(1);
    return true;
  }

  /// Appends `n` tasks, `next()` giving each in order. False when closed (nothing taken).
  template <class Next> bool push_n(std::size_t n, Next&& next) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    for (std::size_t i = 0; i < n; ++i) append(next());
    bump_len(n);
    return true;
  }

  /// Pops one task, or null.
  task_header* pop() {
    if (is_empty()) return nullptr;
    std::lock_guard lock(mu_);
    task_header* t = nullptr;
    if (take_one(t)) bump_len(-1);
    return t;
  }

  /// Pops up to `max` tasks into `sink(task)` (called under the lock: keep it cheap);
  /// returns how many.
  template <class Sink> std::size_t pop_n(std::size_t max, Sink&& sink) {
    if (is_empty()) return 0;
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    task_header* t = nullptr;
    while (n < max && take_one(t)) {
      sink(t);
      ++n;
    }
    bump_len(-static_cast<std::ptrdiff_t>(n));
    return n;
  }

  [[nodiscard]] bool is_empty() const noexcept { return len() == 0; }
  [[nodiscard]] std::size_t len() const noexcept {
    // relaxed: a hint (see the protocol block).
    return len_.load(memory_order_relaxed);
  }

  /// Closes the queue (further pushes fail) and hands whatever it held to `sink(task)`.
  template <class Sink> void close(Sink&& sink) {
    std::lock_guard lock(mu_);
    closed_ = true;
    task_header* t = nullptr;
    while (take_one(t)) sink(t);
    len_.store(0, memory_order_relaxed);  // relaxed: under mu_
  }

private:
  static constexpr std::uint32_t segment_slots = 254;
  struct segment {
    segment* next = nullptr;
    std::uint32_t head = 0;  // next slot to pop
    std::uint32_t tail = 0;  // next slot to push
    task_header* slots[segment_slots];
  };

  // Preconditions for the helpers: mu_ held.
  void append(task_header* t) {
    if (tail_ == nullptr || tail_->tail == segment_slots) {
      segment* s = free_ != nullptr ? std::exchange(free_, free_->next) : make_segment();
      s->next = nullptr;
      s->head = s->tail = 0;
      if (tail_ != nullptr) {
        tail_->next = s;
      } else {
        head_ = s;
      }
      tail_ = s;
    }
    tail_->slots[tail_->tail++] = t;
  }

  bool take_one(task_header*& t) noexcept {
    segment* s = head_;
    if (s == nullptr || s->head == s->tail) return false;
    t = s->slots[s->head++];
    if (s->head == s->tail && (s->tail == segment_slots || s->next != nullptr)) {
      // Used up: recycle one spare segment, free the rest.
      head_ = s->next;
      if (head_ == nullptr) tail_ = nullptr;
      if (free_ == nullptr) {
        s->next = nullptr;
        free_ = s;
      } else {
        delete_segment(s);
      }
    }
    return true;
  }

  void bump_len(std::ptrdiff_t d) noexcept {
    // relaxed: len_ is a hint; mu_ (held) orders the queue itself (see the protocol block).
    len_.store(static_cast<std::size_t>(static_cast<std::ptrdiff_t>(len_.load(memory_order_relaxed)) + d),
               memory_order_relaxed);
  }

  static segment* make_segment() {
    // Safety: a fresh block of segment size; the segment is constructed in it.
    return ::new (frame_allocator::allocate(sizeof(segment))) segment();
  }
  static void delete_segment(segment* s) noexcept {
    s->~segment();
    frame_allocator::deallocate(s, sizeof(segment));
  }
  static void free_segments(segment* s) noexcept {
    while (s != nullptr) delete_segment(std::exchange(s, s->next));
  }

  std::mutex mu_;
  segment* head_ = nullptr;
  segment* tail_ = nullptr;
  segment* free_ = nullptr;
  bool closed_ = false;
  atomic<std::size_t> len_{0};
};

} // namespace weft::detail
