// weft/sync/mpsc_permit.hpp: mpsc_permit<T>, a reserved slot of a bounded mpsc channel
// (from mpsc_sender::reserve), filled later by send() without waiting.
#pragma once

#include <cstdint>
#include <utility>

#include "weft/sync/detail/bounded_chan.hpp"

namespace weft::sync {

/// One unit of capacity claimed ahead of the value. Move-only; dropping it unsent returns
/// the capacity (the receiver skips the slot).
///
/// The permit holds its place in the queue: values sent after the reservation are
/// received after the permit's value, so hold permits briefly.
template <class T> class mpsc_permit {
public:
  mpsc_permit(detail::bounded_chan<T>* c, std::uint64_t pos) noexcept : c_(c), pos_(pos) {
    c_->add_ref();
  }
  mpsc_permit(mpsc_permit&& o) noexcept : c_(std::exchange(o.c_, nullptr)), pos_(o.pos_) {}
  mpsc_permit& operator=(mpsc_permit&& o) noexcept {
    if (this != &o) {
      drop();
      c_ = std::exchange(o.c_, nullptr);
      pos_ = o.pos_;
    }
    return *this;
  }
  mpsc_permit(const mpsc_permit&) = delete;
  mpsc_permit& operator=(const mpsc_permit&) = delete;
  ~mpsc_permit() { drop(); }

  /// Sends into the reserved slot; never waits. The permit is spent afterwards. If the
  /// receiver closed meanwhile, the value is queued anyway and dropped with the channel
  /// unless the receiver drains it.
  /// Preconditions: valid().
  void send(T value) {
    WEFT_ASSERT(c_ != nullptr, "mpsc_permit::send on a spent permit");
    auto* c = std::exchange(c_, nullptr);
    c->fill(pos_, std::move(value));
    c->release();
  }
  [[nodiscard]] bool valid() const noexcept { return c_ != nullptr; }

private:
  void drop() noexcept {
    if (c_ == nullptr) return;
    auto* c = std::exchange(c_, nullptr);
    c->fill(pos_);  // a skipped slot: the capacity comes back
    c->release();
  }

  detail::bounded_chan<T>* c_;
  std::uint64_t pos_;
};

} // namespace weft::sync
