// weft/sync/mpsc_unbounded_sender.hpp: mpsc_unbounded_sender<T>, a sending end of an
// unbounded mpsc channel; send never waits. Protocol: detail/unbounded_chan.hpp.
#pragma once

#include <utility>

#include "weft/sync/detail/unbounded_chan.hpp"
#include "weft/sync/send_result.hpp"

namespace weft::sync {

/// A sending end of an unbounded channel. Copying makes another sender.
///
/// Thread safety: one sender object per thread at a time; any number send at once.
template <class T> class mpsc_unbounded_sender {
  using chan = detail::unbounded_chan<T>;

public:
  explicit mpsc_unbounded_sender(chan* c) noexcept : c_(c) {}
  mpsc_unbounded_sender(const mpsc_unbounded_sender& o) noexcept : c_(o.c_) {
    if (c_ != nullptr) c_->add_sender();
  }
  mpsc_unbounded_sender(mpsc_unbounded_sender&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  mpsc_unbounded_sender& operator=(mpsc_unbounded_sender o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~mpsc_unbounded_sender() {
    if (c_ != nullptr) c_->drop_sender();
  }

  /// Queues `v` at once. Errors: closed (receiver gone or closed), with the value back.
  /// Memory grows with the queue: pair it with a receiver that keeps up.
  send_result<T> send(T v) {
    WEFT_ASSERT(c_ != nullptr, "send on a moved-from sender");
    const send_failure f = c_->try_push(v);
    if (f == send_failure::none) return {};
    return send_result<T>(std::move(v), f);
  }
  [[nodiscard]] bool is_closed() const { return c_->is_closed(); }
  [[nodiscard]] bool valid() const noexcept { return c_ != nullptr; }

private:
  chan* c_;
};

} // namespace weft::sync
