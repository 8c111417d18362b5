// weft/sync/mpsc_receiver.hpp: basic_mpsc_receiver<T, Chan>, the receiving end of an mpsc
// channel (bounded or unbounded; the aliases mpsc_receiver<T> and mpsc_unbounded_receiver<T>
// are in mpsc.hpp). Concurrency protocol: detail/bounded_chan.hpp, detail/unbounded_chan.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/sync/send_result.hpp"

namespace weft::sync {

/// The single receiving end of an mpsc channel. Move-only.
///
/// Thread safety: used by one thread at a time (it may move between threads); senders run
/// anywhere.
template <class T, class Chan> class basic_mpsc_receiver {
public:
  explicit basic_mpsc_receiver(Chan* c) noexcept : c_(c) {}
  basic_mpsc_receiver(basic_mpsc_receiver&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  basic_mpsc_receiver& operator=(basic_mpsc_receiver&& o) noexcept {
    if (this != &o) {
      drop();
      c_ = std::exchange(o.c_, nullptr);
    }
    return *this;
  }
  basic_mpsc_receiver(const basic_mpsc_receiver&) = delete;
  basic_mpsc_receiver& operator=(const basic_mpsc_receiver&) = delete;
  /// Closes the channel; values still queued are destroyed with it.
  ~basic_mpsc_receiver() { drop(); }

  /// Poll-level receive (for stream adaptors): ready with the next value, or with nullopt
  /// once every sender is gone (or the channel was closed) and the queue is drained.
  /// Spends one unit of the cooperative budget.
  ///
  /// Preconditions: valid().
  ::weft::poll<std::optional<T>> poll_recv(context& cx) {
    WEFT_ASSERT(c_ != nullptr, "poll_recv on a moved-from receiver");
    if (!coop::poll_proceed(cx)) return pending;
    // Built in place (an empty optional inside a ready poll): pop_into moves the value
    // straight into it.
    ::weft::poll<std::optional<T>> out(std::in_place);
    if (c_->pop_into(*out)) return out;
    if (finished()) {
      (void)c_->pop_into(*out);
      return out;
    }
    c_->park_receiver(cx.waker());
    if (c_->pop_into(*out)) {
      c_->unpark_receiver();
      return out;
    }
    if (finished()) {
      c_->unpark_receiver();
      (void)c_->pop_into(*out);
      return out;
    }
    return pending;
  }

  /// The future returned by recv().
  class recv_future {
  public:
    explicit recv_future(basic_mpsc_receiver& r) noexcept : r_(&r) {}
    ::weft::poll<std::optional<T>> poll(context& cx) { return r_->poll_recv(cx); }

  private:
    basic_mpsc_receiver* r_;
  };
  /// Receives the next value: `while (auto v = co_await rx.recv()) ...`; nullopt once
  /// every sender is gone (or close() was called) and the queue is drained.
  ///
  /// Cancellation: cancel-safe: a recv that loses a select took nothing from the channel.
  [[nodiscard]] recv_future recv() noexcept { return recv_future(*this); }

  /// The future returned by recv_many().
  class recv_many_future {
  public:
    recv_many_future(basic_mpsc_receiver& r, std::vector<T>& out, std::size_t limit) noexcept
        : r_(&r), out_(&out), limit_(limit) {}
    ::weft::poll<std::size_t> poll(context& cx) {
      if (limit_ == 0) return ready(std::size_t{0});
      auto first = r_->poll_recv(cx);
      if (first.is_pending()) return pending;
      auto v = first.take();
      if (!v) return ready(std::size_t{0});
      out_->push_back(std::move(*v));
      std::size_t n = 1;
      while (n < limit_) {
        auto more = r_->c_->try_pop();
        if (!more) break;
        out_->push_back(std::move(*more));
        ++n;
      }
      return ready(n);
    }

  private:
    basic_mpsc_receiver* r_;
    std::vector<T>* out_;
    std::size_t limit_;
  };
  /// Waits for at least one value, then appends up to `limit` values to `out`; completes
  /// with how many were appended, 0 only when the channel is finished (or limit is 0).
  ///
  /// Cancellation: cancel-safe: values are appended only by the poll that completes.
  [[nodiscard]] recv_many_future recv_many(std::vector<T>& out, std::size_t limit) noexcept {
    return recv_many_future(*this, out, limit);
  }

  /// Takes a value if one is ready: value, empty, or disconnected (finished and drained).
  try_recv_result<T> try_recv() {
    if (c_ == nullptr) return try_recv_result<T>(try_recv_status::disconnected);
    if (auto v = c_->try_pop()) return try_recv_result<T>(std::move(*v));
    if (finished()) {
      if (auto v = c_->try_pop()) return try_recv_result<T>(std::move(*v));
      return try_recv_result<T>(try_recv_status::disconnected);
    }
    return try_recv_result<T>(try_recv_status::empty);
  }

  /// Refuses further sends (they fail and give their value back; waiting senders wake),
  /// while values already queued can still be received.
  void close() {
    if (c_ != nullptr) c_->close();
  }

  [[nodiscard]] bool valid() const noexcept { return c_ != nullptr; }

private:
  [[nodiscard]] bool finished() const { return c_->sender_count() == 0 || c_->is_closed(); }
  void drop() noexcept {
    if (c_ == nullptr) return;
    c_->close();
    std::exchange(c_, nullptr)->release();
  }

  Chan* c_;
};

} // namespace weft::sync
