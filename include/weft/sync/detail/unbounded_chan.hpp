// weft/sync/detail/unbounded_chan.hpp: unbounded_chan<T>, the shared state of an unbounded
// mpsc channel: a deque under a spin lock (it allocates a block per few hundred bytes of
// values, never per message), plus the consumer's parking slot. Ends are in mpsc.hpp.
//
// Protocol:
// - roles: senders (any threads), one receiver.
// - `queue_` and `closed_` are guarded by `lock_`. A sender pushes under the lock, then
//   calls rx_.wake(). The receiver marks itself parked (rx_waker, seq_cst) before taking
//   the lock to look again, so either its look comes after the push (lock order) or the
//   sender's lock acquisition comes after its parked mark and the sender's wake sees it.
// - `senders_` and `refs_` as in bounded_chan.hpp.
// Invariants: (1) no value is pushed after closed_ is set; (2) values left at destruction
// are destroyed with the deque.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "weft/detail/atomic.hpp"
#include "weft/sync/detail/rx_waker.hpp"
#include "weft/sync/detail/waiter_list.hpp"
#include "weft/sync/send_result.hpp"

namespace weft::sync::detail {

template <class T> class unbounded_chan {
public:
  unbounded_chan() = default;
  unbounded_chan(const unbounded_chan&) = delete;
  unbounded_chan& operator=(const unbounded_chan&) = delete;

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
    // acquire: pairs with drop_sender's decrement.
    return senders_.load(::weft::detail::memory_order_acquire);
  }
  [[nodiscard]] bool is_closed() const {
    waiter_guard g(lock_);
    return closed_;
  }

  send_failure try_push(T& v) {
    {
      waiter_guard g(lock_);
      if (closed_) return send_failure::closed;
      queue_.push_back(std::move(v));
    }
    rx_.wake();
    return send_failure::none;
  }
  std::optional<T> try_pop() {
    waiter_guard g(lock_);
    if (queue_.empty()) return std::nullopt;
    std::optional<T> out(std::move(queue_.front()));
    queue_.pop_front();
    return out;
  }
  bool pop_into(std::optional<T>& out) {
    waiter_guard g(lock_);
    if (queue_.empty()) return false;
    out.emplace(std::move(queue_.front()));
    queue_.pop_front();
    return true;
  }
  [[nodiscard]] std::size_t size() const {
    waiter_guard g(lock_);
    return queue_.size();
  }
  void park_receiver(const ::weft::waker& w) { rx_.register_waker(w); }
  void unpark_receiver() noexcept { rx_.cancel(); }
  void close() {
    waiter_guard g(lock_);
    closed_ = true;
  }

private:
  mutable lock_type lock_;
  std::deque<T> queue_;
  bool closed_ = false;
  rx_waker rx_;
  ::weft::detail::atomic<std::size_t> senders_{1};
  ::weft::detail::atomic<int> refs_{2};
};

} // namespace weft::sync::detail
