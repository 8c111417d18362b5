// weft/net/pooled_buffer.hpp: pooled_buffer, received bytes in a buffer borrowed from the
// receiving thread's pool (detail/buffer_pool.hpp); it goes back to the pool exactly once,
// when the pooled_buffer is destroyed (on any thread). Also pool_stats() for tests and
// metrics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "weft/net/detail/buffer_pool.hpp"

namespace weft::net {

/// Received bytes in a pooled buffer. Move-only; empty (size 0) means end of stream.
class pooled_buffer {
public:
  pooled_buffer() noexcept = default;
  pooled_buffer(detail::buffer_header* b, std::size_t n) noexcept : b_(b), n_(n) {}
  pooled_buffer(pooled_buffer&& o) noexcept
      : b_(std::exchange(o.b_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  pooled_buffer& operator=(pooled_buffer&& o) noexcept {
    if (this != &o) {
      reset();
      b_ = std::exchange(o.b_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  pooled_buffer(const pooled_buffer&) = delete;
  pooled_buffer& operator=(const pooled_buffer&) = delete;
  ~pooled_buffer() { reset(); }

  [[nodiscard]] std::span<const std::byte> data() const noexcept {
    return b_ != nullptr ? std::span<const std::byte>(b_->bytes(), n_) : std::span<const std::byte>();
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  operator std::span<const std::byte>() const noexcept { return data(); }  // NOLINT: a view

  /// Gives the buffer back now (also done by the destructor). Idempotent.
  void reset() noexcept {
    if (b_ != nullptr) detail::buffer_pool::give_back(std::exchange(b_, nullptr));
    n_ = 0;
  }

private:
  detail::buffer_header* b_ = nullptr;
  std::size_t n_ = 0;
};

/// Process-wide pooled-receive counters: buffers taken, returned, and heap fallbacks taken
/// because a thread's pool had max_out buffers out. taken == returned once every
/// pooled_buffer is gone.
struct pool_stats {
  std::uint64_t taken = 0;
  std::uint64_t returned = 0;
  std::uint64_t fallbacks = 0;
};
inline pool_stats pooled_stats() noexcept {
  auto& c = detail::counters();
  // relaxed: statistics; callers compare them once the work they count is joined.
  return {c.taken.load(weft::detail::memory_order_relaxed),
          c.returned.load(weft::detail::memory_order_relaxed),
          c.fallbacks.load(weft::detail::memory_order_relaxed)};
}

} // namespace weft::net
