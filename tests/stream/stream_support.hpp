// tests/stream/stream_support.hpp: test doubles for the stream tests.
// - manual_source<T>: a stream the test feeds by hand (push, close); pending while empty,
//   keeping at most one waker; counts its polls.
// - fake_receiver<T>: the same behind `poll_recv` (what from_receiver accepts), standing in
//   for weft::sync's mpsc receiver.
// - run_to_end: spawns a future on a manual_executor and runs it until stalled.
// Not here: byte-stream fakes (byte_support.hpp).
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "support/manual_executor.hpp"
#include "weft/core/future.hpp"
#include "weft/stream/async_stream.hpp"

namespace weft::test {

template <class T> class manual_feed {
public:
  void push(T v) {
    std::optional<waker> w;
    {
      std::lock_guard lock(mu_);
      q_.push_back(std::move(v));
      w.swap(waker_);
    }
    if (w) std::move(*w).wake();
  }
  void close() {
    std::optional<waker> w;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      w.swap(waker_);
    }
    if (w) std::move(*w).wake();
  }
  [[nodiscard]] bool has_waker() const {
    std::lock_guard lock(mu_);
    return waker_.has_value();
  }
  [[nodiscard]] long polls() const {
    std::lock_guard lock(mu_);
    return polls_;
  }
  [[nodiscard]] std::size_t queued() const {
    std::lock_guard lock(mu_);
    return q_.size();
  }

  ::weft::poll<std::optional<T>> poll_one(context& cx) {
    std::lock_guard lock(mu_);
    ++polls_;
    if (!q_.empty()) {
      T v = std::move(q_.front());
      q_.pop_front();
      return ::weft::poll<std::optional<T>>(std::in_place, std::move(v));
    }
    if (closed_) return ::weft::poll<std::optional<T>>(std::in_place, std::nullopt);
    if (waker_) {
      waker_->clone_from(cx.waker());
    } else {
      waker_.emplace(cx.waker());
    }
    return pending;
  }

private:
  mutable std::mutex mu_;
  std::deque<T> q_;
  bool closed_ = false;
  std::optional<waker> waker_;
  long polls_ = 0;
};

/// A stream over a manual_feed (borrowed).
template <class T> class manual_source {
public:
  explicit manual_source(manual_feed<T>& f) noexcept : f_(&f) {}
  ::weft::poll<std::optional<T>> poll_next(context& cx) { return f_->poll_one(cx); }

private:
  manual_feed<T>* f_;
};

/// A channel receiver lookalike: poll_recv only (not itself a stream).
template <class T> class fake_receiver {
public:
  explicit fake_receiver(manual_feed<T>& f) noexcept : f_(&f) {}
  fake_receiver(fake_receiver&&) noexcept = default;
  fake_receiver(const fake_receiver&) = delete;
  ::weft::poll<std::optional<T>> poll_recv(context& cx) { return f_->poll_one(cx); }

private:
  manual_feed<T>* f_;
};

} // namespace weft::test
