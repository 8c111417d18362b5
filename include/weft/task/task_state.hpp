// weft/task/task_state.hpp: the task state word: lifecycle flags and the reference
// count packed in one atomic, and every transition on it.
//
// Protocol (who may do what; see also task_header.hpp and detail/harness.hpp):
// Bits, one constant each:
//   running        a worker is polling the future (only the poller sets/clears it)
//   complete       the future is gone: output stored, or cancelled; final, never cleared
//   notified       the task sits in a run queue, or will be queued by its running poller
//   cancelled      abort requested; the next poll (or the running one, when it ends)
//                  destroys the future instead of polling it
//   join_interest  a join_handle exists; only the handle clears it
//   join_waker     the runtime owns the join-waker field (the handle stored a waker there);
//                  while clear, the handle owns the field
//   refcount       the upper bits; one reference per: run queue entry, owned-task list
//                  entry, join handle, waker clone
// Invariants:
//   1. notified && !running ⇒ exactly one run-queue entry holds the task (and a reference).
//   2. running ⇒ the poller holds the queue entry's reference for the whole poll.
//   3. complete ⇒ !running, and the future has been destroyed.
//   4. the output is written before complete is set (release) and read only after complete is
//      seen (acquire) by the join handle, or dropped by whoever clears the last of
//      {join_interest, !complete}.
//   5. refcount reaching zero deallocates; it only happens after complete, because the
//      owned-task list holds a reference until completion.
// Every transition is a single RMW on `word_`, so concurrent wakes, aborts and join-handle
// operations serialize on it; each says what it returns in an enum.
#pragma once

#include <cstdint>

#include "weft/config.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::detail {

class task_state {
public:
  static constexpr std::uint64_t running = 1u << 0;
  static constexpr std::uint64_t complete = 1u << 1;
  static constexpr std::uint64_t notified = 1u << 2;
  static constexpr std::uint64_t cancelled = 1u << 3;
  static constexpr std::uint64_t join_interest = 1u << 4;
  static constexpr std::uint64_t join_waker = 1u << 5;
  static constexpr unsigned ref_shift = 6;
  static constexpr std::uint64_t ref_one = std::uint64_t{1} << ref_shift;
  static constexpr std::uint64_t flag_mask = ref_one - 1;

  /// A freshly spawned task: queued, with a join handle, and `refs` references.
  explicit task_state(std::uint64_t refs) noexcept
      : word_(notified | join_interest | refs * ref_one) {}

  [[nodiscard]] std::uint64_t load() const noexcept {
    // acquire: a reader that sees complete must also see the output (invariant 4).
    return word_.load(memory_order_acquire);
  }
  static std::uint64_t refs(std::uint64_t s) noexcept { return s >> ref_shift; }

  enum class to_running { ok, cancelled };
  /// notified → running. The caller owns the queue entry that was notified.
  [[nodiscard]] to_running transition_to_running() noexcept {
    // relaxed: a first guess for the CAS loop below, which does the ordering.
    std::uint64_t s = word_.load(memory_order_relaxed);
    for (;;) {
      WEFT_ASSERT((s & notified) && !(s & (running | complete)), "bad state to run");
      const std::uint64_t next = (s & ~notified) | running;
      // acquire: the poll must see everything written before the wake that queued us.
      if (word_.compare_exchange_weak(s, next, memory_order_acquire, memory_order_relaxed))
        return (s & cancelled) ? to_running::cancelled : to_running::ok;
    }
  }

  enum class to_idle { ok_dealloc, ok, notified, cancelled };
  /// running → idle after a pending poll. `ok` drops the queue entry's reference in the same
  /// step; `notified` keeps it (the caller re-queues); `cancelled` leaves running set (the
  /// caller cancels and completes).
  [[nodiscard]] to_idle transition_to_idle() noexcept {
    // relaxed: a first guess for the CAS loop below, which does the ordering.
    std::uint64_t s = word_.load(memory_order_relaxed);
    for (;;) {
      WEFT_ASSERT(s & running, "idle from a non-running task");
      if (s & cancelled) return to_idle::cancelled;
      std::uint64_t next = s & ~running;
      const bool renotified = (s & notified) != 0;
      if (!renotified) next -= ref_one;
      // acq_rel: release publishes the poll's writes to the next poller / waker; acquire
      // makes a concurrent waker's writes visible before we re-queue.
      if (word_.compare_exchange_weak(s, next, memory_order_acq_rel, memory_order_relaxed)) {
        if (renotified) return to_idle::notified;
        return refs(next) == 0 ? to_idle::ok_dealloc : to_idle::ok;
      }
    }
  }

  /// running → complete, dropping `n` references in the same step, but only when nothing
  /// else is left to do after it: a join handle exists (it takes the output) and has not
  /// stored a waker. Returns true if done (then the caller must not touch the task again
  /// unless `dealloc` is set, in which case it frees it); false leaves the state unchanged.
  [[nodiscard]] bool try_complete_fast(std::uint64_t n, bool& dealloc) noexcept {
    // relaxed: a first guess for the CAS loop below, which does the ordering.
    std::uint64_t s = word_.load(memory_order_relaxed);
    for (;;) {
      if ((s & (join_interest | join_waker)) != join_interest) return false;
      WEFT_ASSERT((s & running) && !(s & complete) && refs(s) >= n, "bad state to complete");
      const std::uint64_t next = (s ^ (running | complete)) - n * ref_one;
      // acq_rel: release publishes the output (invariant 4); acquire: if this frees the
      // task, every other holder's writes are visible.
      if (word_.compare_exchange_weak(s, next, memory_order_acq_rel, memory_order_relaxed)) {
        dealloc = refs(next) == 0;
        return true;
      }
    }
  }

  /// The join handle, which already read the output, goes away: one step clears
  /// join_interest and drops its reference. Returns true when that was the last reference.
  [[nodiscard]] bool join_dropped_after_read() noexcept {
    // acq_rel: the last holder must see every other holder's writes before deallocating.
    const std::uint64_t prev = word_.fetch_sub(join_interest + ref_one, memory_order_acq_rel);
    WEFT_ASSERT((prev & complete) && (prev & join_interest), "bad state for a read join handle");
    return refs(prev) == 1;
  }

  /// running → complete. Returns the state before. acq_rel: release publishes the output
  /// (invariant 4); acquire sees the join handle's waker write if join_waker is set.
  std::uint64_t transition_to_complete() noexcept {
    // acq_rel: as documented above (release: the output; acquire: the join waker field).
    return word_.fetch_xor(running | complete, memory_order_acq_rel);
  }

  enum class to_notified { do_nothing, submit };
  /// A wake. `submit`: the caller must queue the task; a reference was added for the entry.
  [[nodiscard]] to_notified transition_to_notified() noexcept {
    // relaxed: a first guess for the CAS loop below, which does the ordering.
    std::uint64_t s = word_.load(memory_order_relaxed);
    for (;;) {
      if (s & (complete | notified)) return to_notified::do_nothing;
      std::uint64_t next = s | notified;
      const bool submit = !(s & running);
      if (submit) next += ref_one;
      // acq_rel: release publishes the waker's writes (the event) to the poller; the
      // poller's acquire in transition_to_running pairs with it.
      if (word_.compare_exchange_weak(s, next, memory_order_acq_rel, memory_order_relaxed))
        return submit ? to_notified::submit : to_notified::do_nothing;
    }
  }

  /// An abort request. `submit`: the caller must queue the task so a worker cancels it.
  [[nodiscard]] to_notified transition_to_cancelled() noexcept {
    // relaxed: a first guess for the CAS loop below, which does the ordering.
    std::uint64_t s = word_.load(memory_order_relaxed);
    for (;;) {
      if (s & (complete | cancelled)) return to_notified::do_nothing;
      std::uint64_t next = s | cancelled | notified;
      const bool submit = !(s & (running | notified));
      if (submit) next += ref_one;
      // acq_rel: same pairing as transition_to_notified.
      if (word_.compare_exchange_weak(s, next, memory_order_acq_rel, memory_order_relaxed))
        return submit ? to_notified::submit : to_notified::do_nothing;
    }
  }

  /// Shutdown: claims an idle task for cancellation (sets running|cancelled). False when
  /// the task is running elsewhere or complete.
  [[nodiscard]] bool transition_to_shutdown() noexcept {
    // relaxed: a first guess for the CAS loop below, which does the ordering.
    std::uint64_t s = word_.load(memory_order_relaxed);
    for (;;) {
      if (s & (running | complete)) return false;
      const std::uint64_t next = s | running | cancelled;
      // acquire: we are about to destroy the future; see the last poller's writes.
      if (word_.compare_exchange_weak(s, next, memory_order_acquire, memory_order_relaxed))
        return true;
    }
  }

  void ref_inc() noexcept {
    // relaxed: a reference is made from a live one, which keeps the task alive.
    word_.fetch_add(ref_one, memory_order_relaxed);
  }
  /// Returns true when that was the last reference.
  [[nodiscard]] bool ref_dec(std::uint64_t n = 1) noexcept {
    // acq_rel: the last holder must see every other holder's writes before deallocating.
    const std::uint64_t prev = word_.fetch_sub(n * ref_one, memory_order_acq_rel);
    WEFT_ASSERT(refs(prev) >= n, "task refcount underflow");
    return refs(prev) == n;
  }

  enum class join_waker_set { stored, complete };
  /// The join handle publishes the waker it wrote into the field.
  [[nodiscard]] join_waker_set set_join_waker() noexcept {
    // acquire: seeing complete here means reading the output next.
    std::uint64_t s = word_.load(memory_order_acquire);
    for (;;) {
      WEFT_ASSERT((s & join_interest) && !(s & join_waker), "bad join waker state");
      if (s & complete) return join_waker_set::complete;
      // release: the waker field write happens-before the runtime reads it (its acquire in
      // transition_to_complete). acquire on failure-with-complete: see the output.
      if (word_.compare_exchange_weak(s, s | join_waker, memory_order_acq_rel,
                                      memory_order_acquire))
        return join_waker_set::stored;
    }
  }
  /// The join handle takes the field back to replace the waker.
  [[nodiscard]] join_waker_set unset_join_waker() noexcept {
    // acquire: seeing complete here means reading the output next.
    std::uint64_t s = word_.load(memory_order_acquire);
    for (;;) {
      WEFT_ASSERT((s & join_interest) && (s & join_waker), "bad join waker state");
      if (s & complete) return join_waker_set::complete;
      // acquire: pairs with nothing written by the runtime into the field (it only reads
      // it), but keeps the later field write after this transition.
      if (word_.compare_exchange_weak(s, s & ~join_waker, memory_order_acq_rel,
                                      memory_order_acquire))
        return join_waker_set::stored;
    }
  }

  enum class join_dropped { output_is_ours, waker_is_ours, dealloc, ok };
  /// The join handle goes away: clears join_interest and drops its reference at once.
  /// `output_is_ours`: the task completed first; the caller drops the output, then calls
  /// ref_dec() itself (the reference is not yet dropped in that case).
  /// `waker_is_ours`: the task has not completed and the handle had stored a join waker:
  /// join_interest and join_waker are cleared, so the field is the caller's again; it drops
  /// the waker, then its reference (not yet dropped in that case either). Without this the
  /// waker of an aborted joiner would live as long as the joined task.
  [[nodiscard]] join_dropped transition_join_dropped() noexcept {
    // relaxed: a first guess for the CAS loop below, which does the ordering.
    std::uint64_t s = word_.load(memory_order_relaxed);
    for (;;) {
      WEFT_ASSERT(s & join_interest, "join handle dropped twice");
      if (s & complete) {
        // acquire: the output written before complete is visible (invariant 4).
        if (word_.compare_exchange_weak(s, s & ~join_interest, memory_order_acquire,
                                        memory_order_relaxed))
          return join_dropped::output_is_ours;
        continue;
      }
      if (s & join_waker) {
        // acq_rel: after this the runtime's completion sees neither bit, so it never reads the
        // field again; acquire pairs with nothing the runtime wrote there (it only reads), but
        // orders our destruction of the waker after the bit is gone.
        if (word_.compare_exchange_weak(s, s & ~(join_interest | join_waker),
                                        memory_order_acq_rel, memory_order_relaxed))
          return join_dropped::waker_is_ours;
        continue;
      }
      const std::uint64_t next = (s & ~join_interest) - ref_one;
      // acq_rel: the runtime's completion, which may now drop the output, must see our
      // last writes; and if this was the last reference we must see theirs.
      if (word_.compare_exchange_weak(s, next, memory_order_acq_rel, memory_order_relaxed))
        return refs(next) == 0 ? join_dropped::dealloc : join_dropped::ok;
    }
  }

private:
  atomic<std::uint64_t> word_;
};

} // namespace weft::detail
