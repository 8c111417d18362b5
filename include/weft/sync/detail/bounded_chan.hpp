// weft/sync/detail/bounded_chan.hpp: bounded_chan<T>, the shared state of a bounded mpsc
// channel: a fixed ring of stamped slots (no allocation per message), the consumer's
// parking slot and the senders' waiter list. The user-facing ends are in mpsc.hpp.
//
// Protocol:
// - roles: senders (any number, each sender object on one thread at a time), permits (a
//   claimed slot not yet filled), one receiver.
// - ring: `cap_` slots; positions are `lap | index` with `one_lap_` a power of two above
//   cap (crossbeam's ArrayQueue stamps). Slot i starts with stamp i. A sender claims
//   position t when slot(t).stamp == t (free) by advancing `tail_` (a plain store when it is
//   the only sender, else a CAS), fills the slot, then stores stamp t+1 (release: the value
//   is visible to the receiver's acquire load of the stamp). The receiver reads position h
//   when stamp == h+1, takes the value, and stores stamp h+one_lap (release: the slot is
//   free for the next lap; pairs with the sender's acquire load). Full: stamp < t (the
//   slot still holds, or a permit still claims, the previous lap's position). Empty: stamp == h.
//   A permit dropped unsent publishes its slot with `has_value = false`: the receiver skips
//   it, so no value is ever invented and the capacity comes back.
// - `head_` is the receiver's alone; `tail_` is the senders'.
// - wake-ups are two Dekker pairs (asymmetric_fence.hpp): (a) publish stamp / rx_waker
//   wake vs rx_waker register / look at the slot again; (b) receiver frees a slot / loads
//   `tx_waiting_` vs a sender queues itself and stores `tx_waiting_` (seq_cst) / tries to
//   claim again. The receiver wakes one queued sender per freed slot while any is queued;
//   a woken sender that is dropped before it retried passes the wake to the next one.
// - `closed_` (receiver closed or dropped) is written under `lock_`, so a sender that
//   queues itself under the lock either sees it or is woken by close().
// - `senders_`: live senders; the last one's decrement (seq_cst) is followed by an rx
//   wake, and the receiver re-checks the ring after reading zero (acquire), so values sent
//   before the last sender left are always received.
// - `refs_`: senders + receiver + permits; the last release (acq_rel) destroys the state and
//   the values still in the ring.
// Invariants: (1) at most cap_ values (and claimed slots) exist; (2) every claimed position
// is published exactly once; (3) tx_waiting_ == !tx_waiters_.empty() under lock_.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/sync/detail/asymmetric_fence.hpp"
#include "weft/sync/detail/rx_waker.hpp"
#include "weft/sync/detail/waiter_list.hpp"
#include "weft/sync/send_result.hpp"

namespace weft::sync::detail {

template <class T> class bounded_chan {
  struct slot {
    ::weft::detail::atomic<std::uint64_t> stamp{0};
    bool has_value = false;
    alignas(T) unsigned char storage[sizeof(T)];
    T* ptr() noexcept {
      // Safety: storage holds a T whenever has_value is true (constructed in fill()).
      return std::launder(reinterpret_cast<T*>(storage));
    }
  };

public:
  explicit bounded_chan(std::size_t cap) : cap_(cap), slots_(new slot[cap]) {
    WEFT_ASSERT(cap > 0, "mpsc capacity must be at least 1");
    std::uint64_t lap = 1;
    while (lap <= cap) lap <<= 1;
    one_lap_ = lap;
    for (std::size_t i = 0; i < cap; ++i)
      slots_[i].stamp.store(i, ::weft::detail::memory_order_relaxed);  // before sharing
  }
  bounded_chan(const bounded_chan&) = delete;
  bounded_chan& operator=(const bounded_chan&) = delete;
  ~bounded_chan() {
    // Everyone else is gone (refs_ reached zero with acq_rel): plain reads are safe.
    std::uint64_t h = head_;
    for (;;) {
      slot& s = slots_[h & (one_lap_ - 1)];
      if (s.stamp.load(::weft::detail::memory_order_relaxed) != h + 1) break;
      if (s.has_value) s.ptr()->~T();
      h = next(h);
    }
    delete[] slots_;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }

  // --- references and ends -------------------------------------------------------------
  void add_ref() noexcept {
    // relaxed: made from an existing reference.
    refs_.fetch_add(1, ::weft::detail::memory_order_relaxed);
  }
  void release() noexcept {
    // acq_rel: the last owner sees every other owner's writes before destroying.
    if (refs_.fetch_sub(1, ::weft::detail::memory_order_acq_rel) == 1) delete this;
  }
  void add_sender() noexcept {
    // relaxed: made from an existing sender, which keeps the count above zero.
    senders_.fetch_add(1, ::weft::detail::memory_order_relaxed);
    add_ref();
  }
  void drop_sender() {
    if (senders_.fetch_sub(1, ::weft::detail::memory_order_seq_cst) == 1) rx_.wake();
    release();
  }
  [[nodiscard]] std::size_t sender_count() const noexcept {
    // acquire: pairs with drop_sender's decrement (see the protocol).
    return senders_.load(::weft::detail::memory_order_acquire);
  }
  [[nodiscard]] bool is_closed() const noexcept {
    // acquire: pairs with close()'s store; a stale false only lets a send race close.
    return closed_.load(::weft::detail::memory_order_acquire);
  }

  // --- senders -----------------------------------------------------------------------------
  /// Claims a free position (without filling it). False when full.
  bool try_claim(std::uint64_t& pos) {
    // relaxed: tail_ is the senders'; with one sender it is private, with several the CAS
    // below orders claims.
    std::uint64_t t = tail_.load(::weft::detail::memory_order_relaxed);
    const bool single = sender_count() <= 1;
    for (;;) {
      slot& s = slots_[t & (one_lap_ - 1)];
      // acquire: pairs with the receiver's release of the slot (its previous value is gone).
      const std::uint64_t st = s.stamp.load(::weft::detail::memory_order_acquire);
      if (st == t) {
        const std::uint64_t nt = next(t);
        if (single) {
          tail_.store(nt, ::weft::detail::memory_order_relaxed);
          pos = t;
          return true;
        }
        // relaxed: the claim only orders senders among themselves; the slot's stamp orders
        // the data.
        if (tail_.compare_exchange_weak(t, nt, ::weft::detail::memory_order_relaxed)) {
          pos = t;
          return true;
        }
        continue;
      }
      // Behind t: the slot still holds (or is claimed for) the previous lap's value: full.
      if (st < t) return false;
      ::weft::detail::spin_pause();              // another sender moved on; catch up
      t = tail_.load(::weft::detail::memory_order_relaxed);
    }
  }
  /// Fills a claimed position with a value (or marks it skipped) and wakes the receiver.
  template <class... Args> void fill(std::uint64_t pos, Args&&... args) {
    slot& s = slots_[pos & (one_lap_ - 1)];
    if constexpr (sizeof...(Args) > 0) {
      // Safety: the claimed slot is empty (its stamp said free) and ours alone.
      ::new (static_cast<void*>(s.storage)) T(std::forward<Args>(args)...);
      s.has_value = true;
    } else {
      s.has_value = false;
    }
    const bool light = home_.is_light();
    // release: publishes the value (and has_value) to the receiver's acquire load.
    s.stamp.store(pos + 1, ::weft::detail::memory_order_release);
    home_.publish_fence(light);
    rx_.wake();
  }
  /// One attempt to send without waiting. On failure `v` is left untouched.
  send_failure try_push(T& v) {
    if (is_closed()) return send_failure::closed;
    std::uint64_t pos = 0;
    if (!try_claim(pos)) return send_failure::full;
    fill(pos, std::move(v));
    return send_failure::none;
  }
  /// Queues `w` for a freed slot. Returns false (not queued) when the channel is closed.
  bool park_sender(waiter& w, const ::weft::waker& wk) {
    const bool light = home_.is_light();
    {
      waiter_guard g(lock_);
      if (closed_.load(::weft::detail::memory_order_relaxed)) return false;  // under lock_
      w.reset();
      w.set_waker(wk);
      tx_waiters_.push_back(w);
      tx_waiting_.store(true, ::weft::detail::memory_order_seq_cst);
    }
    home_.park_fence(light);
    return true;
  }
  /// A queued sender polled again: refreshes its waker and returns true while it is still
  /// queued; false once it was woken (or never queued).
  bool refresh_sender(waiter& w, const ::weft::waker& wk) {
    waiter_guard g(lock_);
    if (!w.linked) return false;
    w.set_waker(wk);
    return true;
  }
  /// Takes `w` out of the queue. If it was woken but did not use the wake (`used` false),
  /// the wake goes to the next queued sender.
  void unpark_sender(waiter& w, bool used) {
    wake_batch batch;
    waiter_guard g(lock_);
    if (w.linked) {
      tx_waiters_.remove(w);
    } else if (w.is_notified() && !used && !tx_waiters_.empty()) {
      tx_waiters_.notify_front(1, batch);
    }
    if (tx_waiters_.empty()) tx_waiting_.store(false, ::weft::detail::memory_order_relaxed);
  }

  // --- receiver ----------------------------------------------------------------------------
  /// Takes the next value, skipping unsent permits. Empty optional when nothing is ready.
  std::optional<T> try_pop() {
    std::optional<T> out;
    (void)pop_into(out);
    return out;
  }
  /// Moves the next value (skipping unsent permits) into `out`; false when none is ready.
  /// (An out-parameter: the value is moved once, straight into the caller's poll result.)
  bool pop_into(std::optional<T>& out) {
    for (;;) {
      const std::uint64_t h = head_;
      slot& s = slots_[h & (one_lap_ - 1)];
      // acquire: pairs with fill's release store; the value is complete.
      if (s.stamp.load(::weft::detail::memory_order_acquire) != h + 1) return false;
      const bool had = s.has_value;
      if (had) {
        out.emplace(std::move(*s.ptr()));
        s.ptr()->~T();
      }
      head_ = next(h);
      const bool light = home_.is_light();
      // release: the slot's old value is gone before a sender reuses it (its acquire load).
      s.stamp.store(h + one_lap_, ::weft::detail::memory_order_release);
      home_.publish_fence(light);
      // relaxed: the fence above (or the asymmetric one) orders this load after the store.
      if (tx_waiting_.load(::weft::detail::memory_order_relaxed)) wake_one_sender();
      if (had) return true;
    }
  }
  /// Marks the receiver parked; the caller must try_pop again afterwards.
  void park_receiver(const ::weft::waker& w) {
    const bool light = home_.is_light();
    rx_.register_waker(w);
    home_.park_fence(light);
  }
  void unpark_receiver() noexcept { rx_.cancel(); }

  /// Refuses further sends and wakes every queued sender (they fail with their value).
  void close() {
    for (bool more = true; more;) {
      wake_batch batch;
      waiter_guard g(lock_);
      // release: pairs with is_closed()'s acquire load.
      closed_.store(true, ::weft::detail::memory_order_release);
      while (!tx_waiters_.empty() && !batch.full()) tx_waiters_.notify_front(0, batch);
      more = !tx_waiters_.empty();
      if (!more) tx_waiting_.store(false, ::weft::detail::memory_order_relaxed);
    }
  }

private:
  std::uint64_t next(std::uint64_t p) const noexcept {
    const std::uint64_t index = p & (one_lap_ - 1);
    return index + 1 < cap_ ? p + 1 : (p & ~(one_lap_ - 1)) + one_lap_;
  }
  void wake_one_sender() {
    wake_batch batch;
    waiter_guard g(lock_);
    if (!tx_waiters_.empty()) tx_waiters_.notify_front(1, batch);
    if (tx_waiters_.empty()) tx_waiting_.store(false, ::weft::detail::memory_order_relaxed);
  }

  const std::size_t cap_;
  std::uint64_t one_lap_ = 1;
  slot* slots_;
  home_thread home_;
  alignas(::weft::detail::cache_line)::weft::detail::atomic<std::uint64_t> tail_{0};
  alignas(::weft::detail::cache_line) std::uint64_t head_ = 0;
  rx_waker rx_;
  alignas(::weft::detail::cache_line)::weft::detail::atomic<bool> tx_waiting_{false};
  ::weft::detail::atomic<bool> closed_{false};
  lock_type lock_;
  waiter_list tx_waiters_;
  ::weft::detail::atomic<std::size_t> senders_{1};
  ::weft::detail::atomic<int> refs_{2};
};

} // namespace weft::sync::detail
