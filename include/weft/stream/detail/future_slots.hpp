// weft/stream/detail/future_slots.hpp: future_slots<F>, a fixed set of n future slots, each
// polled with a waker of its own, so a wake re-polls only the slot that was woken (what
// buffer_unordered and buffered run their futures in). The wake machinery is join_all's
// (weft/core/join_all.hpp: join_all_shared, one node and one borrowed waker per slot).
//
// Protocol (the slots' wakers run on any thread, concurrently with polls):
// - roles: the poller (the stream's poll_next, one thread at a time) and wakers.
// - join_all_shared (see join_all.hpp): refs (ours + one per waker clone), the push-only
//   ready stack, the parent waker under parent_mu, node::queued.
// - taken_: the part of the ready stack the poller took with one exchange (at most one per
//   poll, took_batch_) and has not polled yet; only the poller touches it. A node is popped from taken_ (its `next` read)
//   before its `queued` flag is cleared, so a wake after the clear may relink it freely.
// - a future just placed in a slot is polled at once WITHOUT clearing `queued`: if the
//   node still sits in the stack or in taken_ (a stale wake of the slot's previous future),
//   clearing it would let a wake link it twice; a wake that finds it queued is not lost,
//   since the poller will reach the node and poll the slot again (a spurious poll at worst).
// Invariants: (1) a woken slot is polled after its wake; (2) a node is linked at most once;
// (3) the shared state outlives every waker clone; (4) a poll_next that answers pending has
// emptied taken_ and found the stack empty after publishing the current parent waker, so a
// later wake pushes onto an empty stack and wakes the parent.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/core/join_all.hpp"

namespace weft::stream::detail {

template <class F> class future_slots {
public:
  explicit future_slots(std::size_t n) : n_(n), slots_(std::make_unique<std::optional<F>[]>(n)) {}
  future_slots(future_slots&& o) noexcept
      : n_(o.n_), slots_(std::move(o.slots_)), shared_(std::exchange(o.shared_, nullptr)),
        taken_(std::exchange(o.taken_, nullptr)) {}
  future_slots& operator=(future_slots&&) = delete;
  ~future_slots() {
    // Futures first: their leaves may hold clones of the slot wakers.
    if (slots_) {
      for (std::size_t i = 0; i < n_; ++i) slots_[i].reset();
    }
    if (shared_ != nullptr) {
      // Slot wakers may outlive us (kept by an event source): they must neither keep the
      // parent task referenced nor wake it.
      std::optional<waker> parent;
      {
        std::lock_guard lock(shared_->parent_mu);
        parent.swap(shared_->parent);
      }
      shared_->release();
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool occupied(std::size_t i) const noexcept { return slots_[i].has_value(); }

  /// Starts a poll: publishes the poller's waker as the one slot wakes must reach.
  void begin_poll(context& cx) {
    took_batch_ = false;
    if (shared_ == nullptr) shared_ = new weft::detail::join_all_shared(n_);
    std::lock_guard lock(shared_->parent_mu);
    if (!shared_->parent || !shared_->parent->will_wake(cx.waker())) shared_->parent = cx.waker();
  }

  /// Places a future in free slot i. Preconditions: begin_poll ran; !occupied(i).
  void emplace(std::size_t i, F&& f) { slots_[i].emplace(std::move(f)); }
  /// Destroys slot i's future (after it completed).
  void reset(std::size_t i) noexcept { slots_[i].reset(); }

  /// Polls slot i's future with the slot's own waker. Preconditions: occupied(i).
  auto poll(std::size_t i) {
    context slot_cx(shared_->nodes[i].borrowed_waker());
    return slots_[i]->poll(slot_cx);
  }

  /// The next woken slot (occupied or not: check), or none once the batch of wakes taken in
  /// this poll is done. One batch per poll: a slot woken while the batch is being polled (a
  /// future out of cooperative budget wakes itself at once) waits for the next poll, which
  /// its wake has already requested (the push onto the empty stack wakes the poller);
  /// taking it now would loop for ever, the budget never refilling inside one poll.
  std::optional<std::size_t> next_woken() {
    if (taken_ == nullptr) {
      if (took_batch_) return std::nullopt;
      took_batch_ = true;
      // acquire: pairs with the wakers' release pushes, making each node's link visible.
      taken_ = shared_->ready_head.exchange(nullptr, weft::detail::memory_order_acquire);
      if (taken_ == nullptr) return std::nullopt;
    }
    weft::detail::join_all_node* n = taken_;
    taken_ = n->next;  // read before the clear below: a wake after it may relink n
    // acq_rel: pairs with a waker's acq_rel exchange, so the event it signalled is visible
    // to the poll that follows.
    n->queued.exchange(false, weft::detail::memory_order_acq_rel);
    return n->index;
  }

private:
  std::size_t n_;
  std::unique_ptr<std::optional<F>[]> slots_;
  weft::detail::join_all_shared* shared_ = nullptr;
  weft::detail::join_all_node* taken_ = nullptr;
  bool took_batch_ = false;  // the ready stack was taken in this poll (poller only)
};

} // namespace weft::stream::detail
