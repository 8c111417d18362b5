// weft/runtime/detail/local_queue.hpp: a worker's bounded run queue. The owner pushes at the
// tail and pops at the head; other workers steal half of it at once.
//
// Protocol (a ring of `capacity` slots, capacity a power of two, indices wrap at 2^32):
// - `tail_`: written only by the owner (release), read by thieves (acquire).
// - `head_`: two 32-bit indices packed in one word, updated only by CAS:
//     real  — the next slot the owner pops;
//     steal — the first slot still being copied by a thief; steal == real when no steal is
//             in flight. Slots in [steal, real) belong to a thief until it sets steal = real.
// - A thief (1) claims [real, real + n) by CAS real += n with steal unchanged, (2) copies the
//   slots into its own queue, (3) CAS steal := real. Only one steal runs at a time: a thief
//   that sees steal != real gives up.
// - The owner's push checks `tail - steal < capacity`, so it never overwrites a slot that a
//   thief is still copying. When full, it moves half the queue to the inject queue (claimed by
//   the same CAS as a steal, so a concurrent thief cannot take those slots too).
// - The owner's pop CASes real += 1 (and steal with it when no steal is in flight).
// Invariants: (1) every pushed task is popped, stolen or overflowed exactly once;
// (2) tail - steal <= capacity; (3) a slot is read only after the CAS that claimed it.
// Slots are relaxed atomics: the head/tail acquire-release pairs order their contents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "weft/config.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

class local_queue {
public:
  explicit local_queue(std::size_t capacity = 256)
      : cap_(static_cast<std::uint32_t>(capacity)), mask_(cap_ - 1),
        slots_(new atomic<task_header*>[capacity]) {
    WEFT_CHECK(capacity >= 4 && (capacity & (capacity - 1)) == 0 && capacity <= (1u << 30),
               "local queue capacity must be a power of two in [4, 2^30]");
    // relaxed: before the queue is shared; publishing the queue orders these.
    for (std::size_t i = 0; i < capacity; ++i) slots_[i].store(nullptr, memory_order_relaxed);
  }
  local_queue(const local_queue&) = delete;
  local_queue& operator=(const local_queue&) = delete;

  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }

  /// Tasks moved out of a full queue: `count` of them, `next()` gives each in FIFO order.
  class overflow_batch {
  public:
    [[nodiscard]] std::size_t count() const noexcept { return n_ + 1; }
    task_header* next() noexcept {
      if (i_ == n_) {
        ++i_;
        return extra_;
      }
      // relaxed: the owner's own slots, claimed by its CAS on head_ (see the protocol block).
      return q_->slots_[(start_ + i_++) & q_->mask_].load(memory_order_relaxed);
    }

  private:
    friend class local_queue;
    overflow_batch(const local_queue* q, std::uint32_t start, std::uint32_t n, task_header* extra)
        : q_(q), start_(start), n_(n), extra_(extra) {}
    const local_queue* q_;
    std::uint32_t start_;
    std::uint32_t n_;
    std::uint32_t i_ = 0;
    task_header* extra_;
  };

  /// Owner only. Pushes `t`; when full, hands half the queue plus `t` to `overflow(batch)`
  /// (an overflow_batch, read before push_back returns). Returns true if it overflowed.
  template <class Overflow> bool push_back(task_header* t, Overflow&& overflow) {
    for (;;) {
      // acquire: pairs with the CAS that ends a steal, so the slots it copied are free.
      const std::uint64_t head = head_.load(memory_order_acquire);
      const std::uint32_t steal = unpack_steal(head);
      const std::uint32_t real = unpack_real(head);
      const std::uint32_t tail = tail_.load(memory_order_relaxed);  // relaxed: only we write it
      if (tail - steal < cap_) {
        // relaxed: published by the release store of tail_ below.
        slots_[tail & mask_].store(t, memory_order_relaxed);
        // release: the slot write is visible to whoever acquires the new tail.
        tail_.store(tail + 1, memory_order_release);
        return false;
      }
      if (steal != real) {
        // A thief is copying: it will free room soon; meanwhile this one task overflows.
        overflow_batch one(this, 0, 0, t);
        overflow(one);
        return true;
      }
      if (push_overflow(t, real, tail, overflow)) return true;
      // Lost the race with a thief: there is room now, retry.
    }
  }

  /// Owner only. Pushes `t` if there is room; false (nothing done) when full.
  [[nodiscard]] bool try_push(task_header* t) noexcept {
    // acquire: pairs with the CAS that ends a steal, so the slots it copied are free.
    const std::uint32_t steal = unpack_steal(head_.load(memory_order_acquire));
    const std::uint32_t tail = tail_.load(memory_order_relaxed);  // relaxed: only we write it
    if (tail - steal >= cap_) return false;
    slots_[tail & mask_].store(t, memory_order_relaxed);  // relaxed: published by the release
    // release: the slot write is visible to whoever acquires the new tail.
    tail_.store(tail + 1, memory_order_release);
    return true;
  }

  /// Owner only. Pops the oldest task, or null.
  task_header* pop() noexcept {
    // acquire: pairs with a thief's CAS ending its steal (the slots it read are free).
    std::uint64_t head = head_.load(memory_order_acquire);
    for (;;) {
      const std::uint32_t steal = unpack_steal(head);
      const std::uint32_t real = unpack_real(head);
      const std::uint32_t tail = tail_.load(memory_order_relaxed);  // relaxed: only we write it
      if (real == tail) return nullptr;
      const std::uint32_t next_real = real + 1;
      const std::uint64_t next = steal == real ? pack(next_real, next_real) : pack(steal, next_real);
      // acq_rel: claims the slot against thieves (their CAS on the same word).
      if (head_.compare_exchange_weak(head, next, memory_order_acq_rel, memory_order_acquire))
        return slots_[real & mask_].load(memory_order_relaxed);
    }
  }

  /// Called by a thief that owns `dst`: moves about half of this queue into `dst` and returns
  /// one of the stolen tasks (not pushed into dst), or null.
  task_header* steal_into(local_queue& dst) noexcept {
    const std::uint32_t dst_tail = dst.tail_.load(memory_order_relaxed);  // relaxed: dst is ours
    const std::uint32_t dst_steal = unpack_steal(dst.head_.load(memory_order_acquire));
    if (dst_tail - dst_steal > dst.cap_ / 2) return nullptr;  // plenty of work already

    std::uint32_t n = steal_into_claim(dst, dst_tail);
    if (n == 0) return nullptr;
    --n;
    // relaxed: we wrote this slot ourselves in steal_into_claim.
    task_header* ret = dst.slots_[(dst_tail + n) & dst.mask_].load(memory_order_relaxed);
    if (n != 0) {
      // release: publishes the copied slots to dst's owner (us) and to thieves of dst.
      dst.tail_.store(dst_tail + n, memory_order_release);
    }
    return ret;
  }

  /// Approximate number of queued tasks (any thread).
  [[nodiscard]] std::size_t len() const noexcept {
    // acquire (both): pairs with the writers' releases; the answer is a snapshot anyway.
    const std::uint64_t head = head_.load(memory_order_acquire);
    const std::uint32_t tail = tail_.load(memory_order_acquire);
    return tail - unpack_steal(head);
  }
  [[nodiscard]] bool is_empty() const noexcept {
    // acquire (both): pairs with the writers' releases; callers re-check (Dekker, idle.hpp).
    const std::uint64_t head = head_.load(memory_order_acquire);
    return unpack_real(head) == tail_.load(memory_order_acquire);
  }

private:
  static std::uint32_t unpack_steal(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>(h >> 32);
  }
  static std::uint32_t unpack_real(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>(h);
  }
  static std::uint64_t pack(std::uint32_t steal, std::uint32_t real) noexcept {
    return (std::uint64_t{steal} << 32) | real;
  }

  template <class Overflow>
  bool push_overflow(task_header* t, std::uint32_t head, [[maybe_unused]] std::uint32_t tail,
                     Overflow& overflow) {
    const std::uint32_t n = cap_ / 2;
    WEFT_ASSERT(tail - head == cap_, "overflow of a queue that is not full");
    const std::uint64_t prev = pack(head, head);
    std::uint64_t expected = prev;
    // acq_rel: claims the first half against thieves, like a pop of n tasks.
    if (!head_.compare_exchange_strong(expected, pack(head + n, head + n), memory_order_acq_rel,
                                       memory_order_relaxed))
      return false;
    // The claimed slots are ours until we push again (we are the only pusher).
    overflow_batch batch(this, head, n, t);
    overflow(batch);
    return true;
  }

  std::uint32_t steal_into_claim(local_queue& dst, std::uint32_t dst_tail) noexcept {
    // acquire: pairs with the owner's and other thieves' CASes on head_.
    std::uint64_t prev = head_.load(memory_order_acquire);
    std::uint32_t src_real = 0;
    std::uint32_t n = 0;
    for (;;) {
      const std::uint32_t src_steal = unpack_steal(prev);
      src_real = unpack_real(prev);
      if (src_steal != src_real) return 0;  // another thief is at work
      // acquire: pairs with the owner's release store of tail; the slots are visible.
      const std::uint32_t src_tail = tail_.load(memory_order_acquire);
      n = src_tail - src_real;
      n -= n / 2;
      if (n == 0) return 0;
      const std::uint64_t next = pack(src_steal, src_real + n);
      // acq_rel: claims [real, real+n) against the owner's pops and other thieves.
      if (head_.compare_exchange_weak(prev, next, memory_order_acq_rel, memory_order_acquire))
        break;
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      // relaxed (both): the source slots are ours by the CAS above (it acquired the owner's
      // release of tail_); dst's are published by our release store of dst.tail_.
      task_header* task = slots_[(src_real + i) & mask_].load(memory_order_relaxed);
      dst.slots_[(dst_tail + i) & dst.mask_].store(task, memory_order_relaxed);
    }
    // End the steal: steal := real (the owner may have popped meanwhile, moving real on).
    // acquire: a first guess for the CAS loop below (the owner may have popped meanwhile).
    prev = head_.load(memory_order_acquire);
    for (;;) {
      const std::uint32_t real = unpack_real(prev);
      // release: our slot reads happen-before the owner reuses those slots (its acquire load
      // of head in push_back).
      if (head_.compare_exchange_weak(prev, pack(real, real), memory_order_acq_rel,
                                      memory_order_acquire))
        return n;
    }
  }

  const std::uint32_t cap_;
  const std::uint32_t mask_;
  std::unique_ptr<atomic<task_header*>[]> slots_;
  alignas(cache_line) atomic<std::uint64_t> head_{0};
  alignas(cache_line) atomic<std::uint32_t> tail_{0};
};

} // namespace weft::detail
