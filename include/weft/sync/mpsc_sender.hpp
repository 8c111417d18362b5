// weft/sync/mpsc_sender.hpp: mpsc_sender<T>, a sending end of a bounded mpsc channel: send
// (waits for capacity), try_send, reserve / try_reserve (permits). Concurrency protocol:
// detail/bounded_chan.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/sync/detail/bounded_chan.hpp"
#include "weft/sync/detail/waiter_list.hpp"
#include "weft/sync/mpsc_permit.hpp"
#include "weft/sync/send_result.hpp"

namespace weft::sync {

/// A sending end of a bounded channel. Copying makes another sender (the channel counts
/// them: the receiver sees the end once every sender is gone).
///
/// Thread safety: one sender object is used by one thread at a time; copy it for another
/// task or thread. Any number of senders may send at once.
template <class T> class mpsc_sender {
  using chan = detail::bounded_chan<T>;

public:
  explicit mpsc_sender(chan* c) noexcept : c_(c) {}
  mpsc_sender(const mpsc_sender& o) noexcept : c_(o.c_) {
    if (c_ != nullptr) c_->add_sender();
  }
  mpsc_sender(mpsc_sender&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  mpsc_sender& operator=(mpsc_sender o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~mpsc_sender() {
    if (c_ != nullptr) c_->drop_sender();
  }

  /// The future returned by send(): its output is a send_result<T>.
  class send_future {
  public:
    send_future(chan* c, T v) : c_(c), value_(std::move(v)) {}
    /// Preconditions: `o` was never polled (a polled future does not move).
    send_future(send_future&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
        : c_(o.c_), value_(std::move(o.value_)) {
      WEFT_ASSERT(!o.parked_, "moved a polled send future");
    }
    send_future(const send_future&) = delete;
    send_future& operator=(const send_future&) = delete;
    ~send_future() {
      if (parked_) c_->unpark_sender(w_, false);
    }
    ::weft::poll<send_result<T>> poll(context& cx) {
      WEFT_ASSERT(value_.has_value(), "send_future polled after completion");
      for (;;) {
        switch (c_->try_push(*value_)) {
        case send_failure::none:
          finish(true);
          return ready(send_result<T>());
        case send_failure::closed:
          finish(false);
          return fail(send_failure::closed);
        case send_failure::full:
          break;
        }
        if (parked_) {
          if (c_->refresh_sender(w_, cx.waker())) return pending;  // spurious poll: still queued
          finish(true);  // the wake was used for this retry
        }
        if (!c_->park_sender(w_, cx.waker())) return fail(send_failure::closed);
        parked_ = true;
        // Looked again after queueing: a slot freed in between must not be missed.
        switch (c_->try_push(*value_)) {
        case send_failure::none:
          finish(true);
          return ready(send_result<T>());
        case send_failure::closed:
          finish(false);
          return fail(send_failure::closed);
        case send_failure::full:
          return pending;
        }
      }
    }

  private:
    void finish(bool used) {
      if (!parked_) return;
      parked_ = false;
      c_->unpark_sender(w_, used);
    }
    ::weft::poll<send_result<T>> fail(send_failure why) {
      T v(std::move(*value_));
      value_.reset();
      return ready(send_result<T>(std::move(v), why));
    }

    chan* c_;
    std::optional<T> value_;
    detail::waiter w_;
    bool parked_ = false;
  };

  /// Sends `v`, waiting while the channel is full.
  ///
  /// Errors: when the receiver is gone or closed, the value comes back (failure closed).
  /// Cancellation: if the future is dropped before it completes, the value was not sent
  /// (and is destroyed with the future); its place in the queue of waiting senders passes
  /// to the next one. Use reserve() to keep the value when racing in a select.
  /// Preconditions: valid(); the channel (any end) outlives the future — hold the sender.
  [[nodiscard]] send_future send(T v) {
    WEFT_ASSERT(c_ != nullptr, "send on a moved-from sender");
    return send_future(c_, std::move(v));
  }

  /// Sends if there is room now; never waits. Errors: full or closed, with the value.
  send_result<T> try_send(T v) {
    WEFT_ASSERT(c_ != nullptr, "try_send on a moved-from sender");
    const send_failure f = c_->try_push(v);
    if (f == send_failure::none) return {};
    return send_result<T>(std::move(v), f);
  }

  /// The future returned by reserve(): a permit, or nullopt when the channel is closed.
  class reserve_future {
  public:
    explicit reserve_future(chan* c) noexcept : c_(c) {}
    /// Preconditions: `o` was never polled.
    reserve_future(reserve_future&& o) noexcept : c_(o.c_) {
      WEFT_ASSERT(!o.parked_, "moved a polled reserve future");
    }
    reserve_future(const reserve_future&) = delete;
    reserve_future& operator=(const reserve_future&) = delete;
    ~reserve_future() {
      if (parked_) c_->unpark_sender(w_, false);
    }
    ::weft::poll<std::optional<mpsc_permit<T>>> poll(context& cx) {
      for (;;) {
        if (auto p = attempt()) return std::move(*p);
        if (parked_) {
          if (c_->refresh_sender(w_, cx.waker())) return pending;
          finish(true);
        }
        if (!c_->park_sender(w_, cx.waker())) return closed();
        parked_ = true;
        if (auto p = attempt()) return std::move(*p);
        return pending;
      }
    }

  private:
    using out = ::weft::poll<std::optional<mpsc_permit<T>>>;
    std::optional<out> attempt() {
      if (c_->is_closed()) return closed();
      std::uint64_t pos = 0;
      if (!c_->try_claim(pos)) return std::nullopt;
      finish(true);
      return out(std::in_place, mpsc_permit<T>(c_, pos));
    }
    out closed() {
      finish(false);
      return out(std::in_place, std::nullopt);
    }
    void finish(bool used) {
      if (!parked_) return;
      parked_ = false;
      c_->unpark_sender(w_, used);
    }

    chan* c_;
    detail::waiter w_;
    bool parked_ = false;
  };

  /// Waits for one unit of capacity and holds it in a permit; nullopt once closed.
  ///
  /// Cancellation: cancel-safe: a dropped reserve holds no capacity (a wake it received
  /// passes to the next waiting sender).
  [[nodiscard]] reserve_future reserve() noexcept { return reserve_future(c_); }

  /// Claims capacity now if there is any; nullopt when full or closed (see is_closed()).
  std::optional<mpsc_permit<T>> try_reserve() {
    if (c_->is_closed()) return std::nullopt;
    std::uint64_t pos = 0;
    if (!c_->try_claim(pos)) return std::nullopt;
    return mpsc_permit<T>(c_, pos);
  }

  /// True once the receiver is gone or closed.
  [[nodiscard]] bool is_closed() const noexcept { return c_->is_closed(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return c_->capacity(); }
  [[nodiscard]] bool valid() const noexcept { return c_ != nullptr; }

private:
  chan* c_;
};

} // namespace weft::sync
