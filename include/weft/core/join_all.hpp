// weft/core/join_all.hpp: join_all(range) runs every future of a range concurrently and
// completes with a vector of their outputs (in input order; void futures give void).
//
// Each child is polled with a waker of its own, so a wake re-polls only that child:
// n children cost O(n) polls in total, not O(n²).
//
// Protocol (the children's wakers may run on any thread, concurrently with poll):
// - roles: the poller (whoever polls the join_all, one thread at a time) and wakers.
// - shared_state::refs: one reference held by the join_all future, one per cloned child
//   waker. The last release frees the shared state (nodes included).
// - node::queued: true while the node sits in the ready stack or is about to. A waker sets
//   it with an RMW and pushes the node only on a false→true transition, so a node is in the
//   stack at most once. The poller clears it with an RMW (acquire) before polling the child,
//   so a wake that came before the clear is seen by the poll that follows it.
// - ready_head: a push-only Treiber stack; the poller takes it whole with one exchange
//   (no ABA: nodes are never popped one by one).
// - parent waker: guarded by parent_mu; the poller refreshes it, wakers clone it out, and
//   the future's destructor clears it (stale child wakers then wake nothing).
// Invariants: (1) a woken child is re-polled after its wake; (2) a node is linked at most
// once; (3) the shared state outlives every waker clone.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/core/future.hpp"
#include "weft/detail/atomic.hpp"

namespace weft {

namespace detail {

struct join_all_shared;

struct join_all_node {
  join_all_shared* shared = nullptr;
  join_all_node* next = nullptr;
  atomic<bool> queued{false};
  std::size_t index = 0;
  // A waker naming this node, built once and never destroyed: it lends the node to polls
  // without taking a reference (clones of it do take one).
  alignas(waker) unsigned char waker_storage[sizeof(waker)];

  const waker& borrowed_waker() const noexcept {
    // Safety: waker_storage holds a waker constructed in join_all_shared's constructor.
    return *std::launder(reinterpret_cast<const waker*>(waker_storage));
  }
};

struct join_all_shared {
  atomic<long> refs{1};
  atomic<join_all_node*> ready_head{nullptr};
  std::mutex parent_mu;
  std::optional<waker> parent;
  std::unique_ptr<join_all_node[]> nodes;

  explicit join_all_shared(std::size_t n);

  void release() noexcept {
    // acq_rel: the final release must see all writes made under other references.
    if (refs.fetch_sub(1, memory_order_acq_rel) == 1) delete this;
  }

  void wake_node(join_all_node* n) {
    // acq_rel: pairs with the poller's clearing exchange; see the protocol block.
    if (n->queued.exchange(true, memory_order_acq_rel)) return;
    // relaxed: a first guess for the CAS below, which publishes the link (release).
    join_all_node* head = ready_head.load(memory_order_relaxed);
    do {
      n->next = head;
      // release: publishes n->next to the poller's acquire exchange of the whole stack.
    } while (!ready_head.compare_exchange_weak(head, n, memory_order_release,
                                               memory_order_relaxed));
    if (head != nullptr) return;  // the pusher onto the empty stack already woke the parent
    std::optional<waker> w;
    {
      std::lock_guard lock(parent_mu);
      w = parent;
    }
    if (w) std::move(*w).wake();
  }

  static const void* clone(const void* d) {
    auto* n = static_cast<const join_all_node*>(d);
    // relaxed: a new reference is made from a live one, which keeps the state alive.
    n->shared->refs.fetch_add(1, memory_order_relaxed);
    return d;
  }
  static void wake_by_ref(const void* d) {
    auto* n = const_cast<join_all_node*>(static_cast<const join_all_node*>(d));
    n->shared->wake_node(n);
  }
  static void drop(const void* d) { static_cast<const join_all_node*>(d)->shared->release(); }
  static void wake(const void* d) {
    wake_by_ref(d);
    drop(d);
  }
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};
};

inline join_all_shared::join_all_shared(std::size_t n) : nodes(new join_all_node[n]) {
  for (std::size_t i = 0; i < n; ++i) {
    nodes[i].shared = this;
    nodes[i].index = i;
    // Safety: storage is suitably aligned and sized; the waker is never destroyed because
    // it does not own a reference (see borrowed_waker).
    ::new (static_cast<void*>(nodes[i].waker_storage)) waker(&nodes[i], &vtable);
  }
}

} // namespace detail

/// The future returned by join_all().
template <future F> class join_all_future {
  using T = future_output_t<F>;
  using slot_t = std::optional<detail::storable_t<T>>;

public:
  using output = std::conditional_t<std::is_void_v<T>, void, std::vector<detail::storable_t<T>>>;

  explicit join_all_future(std::vector<F> fs) : remaining_(fs.size()) {
    children_.reserve(fs.size());
    for (auto& f : fs) children_.emplace_back(std::in_place, std::move(f));
    if constexpr (!std::is_void_v<T>) outputs_.resize(children_.size());
  }
  join_all_future(join_all_future&& o) noexcept
      : children_(std::move(o.children_)), outputs_(std::move(o.outputs_)),
        shared_(std::exchange(o.shared_, nullptr)), remaining_(o.remaining_),
        started_(o.started_), failed_(o.failed_) {}
  join_all_future& operator=(join_all_future&&) = delete;
  ~join_all_future() {
    children_.clear();  // children first: their leaves may hold clones of our wakers
    if (shared_ != nullptr) {
      // Child wakers may outlive us (kept by an event source); they must neither keep the
      // parent task referenced nor wake it once nothing waits.
      std::optional<waker> parent;
      {
        std::lock_guard lock(shared_->parent_mu);
        parent.swap(shared_->parent);
      }
      shared_->release();
    }
  }

  ::weft::poll<output> poll(context& cx) {
    WEFT_ASSERT(!failed_, "join_all polled again after a child threw");
    try {
      if (!started_) {
        started_ = true;
        shared_ = new detail::join_all_shared(children_.size());
        set_parent(cx);
        for (std::size_t i = 0; i < children_.size(); ++i) poll_child(i);
      } else {
        set_parent(cx);
        // acquire: pairs with the wakers' release pushes, making each node's link visible.
        auto* n = shared_->ready_head.exchange(nullptr, detail::memory_order_acquire);
        while (n != nullptr) {
          auto* next = n->next;
          poll_child(n->index);
          n = next;
        }
      }
    } catch (...) {
      // A child's exception ends the join_all: the other children are cancelled now, not
      // left half-polled (some taken off the ready list, never to be polled again).
      failed_ = true;
      for (auto& c : children_) c.reset();
      throw;
    }
    if (remaining_ != 0) return pending;
    if constexpr (std::is_void_v<T>) {
      return ready();
    } else {
      std::vector<detail::storable_t<T>> out;
      out.reserve(outputs_.size());
      for (auto& o : outputs_) out.push_back(std::move(*o));
      return ::weft::poll<output>(std::in_place, std::move(out));
    }
  }

private:
  void set_parent(context& cx) {
    std::lock_guard lock(shared_->parent_mu);
    if (!shared_->parent || !shared_->parent->will_wake(cx.waker())) shared_->parent = cx.waker();
  }

  void poll_child(std::size_t i) {
    auto& node = shared_->nodes[i];
    // acquire: pairs with a waker's acq_rel exchange, so the event it signalled is visible
    // to the poll below (see the protocol block).
    node.queued.exchange(false, detail::memory_order_acq_rel);
    auto& child = children_[i];
    if (!child) return;  // finished already: a late wake
    context child_cx(node.borrowed_waker());
    auto p = child->poll(child_cx);
    if (p.is_pending()) return;
    if constexpr (!std::is_void_v<T>) outputs_[i].emplace(p.take());
    child.reset();  // release the child's resources as soon as it is done
    --remaining_;
  }

  std::vector<std::optional<F>> children_;
  std::vector<slot_t> outputs_;
  detail::join_all_shared* shared_ = nullptr;
  std::size_t remaining_;
  bool started_ = false;
  bool failed_ = false;
};

/// Runs every future of `range` concurrently; completes with their outputs in order.
///
/// Errors: an exception thrown by a child's poll propagates from the join_all's poll, after
/// every other child was destroyed (cancelled); the join_all is then finished.
/// Cancellation: dropping the join_all drops every child still running.
template <std::ranges::input_range R>
  requires future<std::ranges::range_value_t<R>>
auto join_all(R&& range) {
  using F = std::ranges::range_value_t<R>;
  std::vector<F> fs;
  if constexpr (std::ranges::sized_range<R>) fs.reserve(std::ranges::size(range));
  for (auto&& f : range) fs.push_back(std::move(f));
  return join_all_future<F>(std::move(fs));
}

} // namespace weft
