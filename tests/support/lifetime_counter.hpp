// tests/support/lifetime_counter.hpp: lifetime counters for cancellation tests.
// - lifetime_log: counts the logical objects made and destroyed, and records the order of
//   destruction by id (thread-safe).
// - lifetime_token: one logical object reported to a log. A copy is a new object; a move
//   transfers the identity (the moved-from token reports nothing when it dies).
// - tracked<F>: wraps a future with a token, so a test sees exactly when it is destroyed;
//   it also counts the polls it received.
// Not here: wakers (see counting_waker.hpp) or leaf futures with triggers (manual_executor.hpp).
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "weft/core/future.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::test {

class lifetime_log {
public:
  lifetime_log() = default;
  lifetime_log(const lifetime_log&) = delete;
  lifetime_log& operator=(const lifetime_log&) = delete;

  [[nodiscard]] long constructed() const noexcept { return constructed_.load(); }
  [[nodiscard]] long destroyed() const noexcept { return destroyed_.load(); }
  [[nodiscard]] long live() const noexcept { return constructed() - destroyed(); }
  /// Ids in the order their objects were destroyed.
  [[nodiscard]] std::vector<int> destroy_order() const {
    std::lock_guard lock(mu_);
    return order_;
  }

  void on_construct() noexcept { constructed_.fetch_add(1); }
  void on_destroy(int id) {
    {
      std::lock_guard lock(mu_);
      order_.push_back(id);
    }
    destroyed_.fetch_add(1);
  }

private:
  detail::atomic<long> constructed_{0};
  detail::atomic<long> destroyed_{0};
  mutable std::mutex mu_;
  std::vector<int> order_;
};

class lifetime_token {
public:
  lifetime_token(lifetime_log& log, int id) : log_(&log), id_(id) { log_->on_construct(); }
  lifetime_token(const lifetime_token& o) : log_(o.log_), id_(o.id_) {
    if (log_ != nullptr) log_->on_construct();
  }
  lifetime_token(lifetime_token&& o) noexcept
      : log_(std::exchange(o.log_, nullptr)), id_(o.id_) {}
  lifetime_token& operator=(const lifetime_token&) = delete;
  lifetime_token& operator=(lifetime_token&&) = delete;
  ~lifetime_token() {
    if (log_ != nullptr) log_->on_destroy(id_);
  }

  [[nodiscard]] int id() const noexcept { return id_; }

private:
  lifetime_log* log_;
  int id_;
};

/// A future F whose destruction is reported to a lifetime_log under `id`.
template <future F> class tracked {
public:
  tracked(F f, lifetime_log& log, int id) : future_(std::move(f)), token_(log, id) {}

  auto poll(context& cx) {
    ++polls_;
    return future_.poll(cx);
  }
  [[nodiscard]] std::size_t polls() const noexcept { return polls_; }

private:
  F future_;
  lifetime_token token_;
  std::size_t polls_ = 0;
};

template <future F> tracked<F> track(F f, lifetime_log& log, int id) {
  return tracked<F>(std::move(f), log, id);
}

} // namespace weft::test
