// weft/stream/buffer_unordered.hpp: `s | buffer_unordered(n)`: s yields futures; up to n of
// them run at once and their outputs are yielded as they complete (any order).
//
// Each poll re-polls every running future (n is a small concurrency bound, so O(n) per
// poll); a wake from any of them wakes the consumer's task. Futures stay in fixed slots and
// never move once polled.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `s | buffer_unordered(n)`.
template <class S> class buffer_unordered_stream {
  using fut_t = stream_item_t<S>;
  static_assert(future<fut_t>, "buffer_unordered needs a stream of weft futures");
  using out_t = future_output_t<fut_t>;

public:
  using item_type = weft::detail::storable_t<out_t>;

  template <class S2>
  buffer_unordered_stream(S2&& s, std::size_t n)
      : s_(std::forward<S2>(s)), n_(n), slots_(std::make_unique<std::optional<fut_t>[]>(n)) {
    WEFT_ASSERT(n > 0, "buffer_unordered(0)");
  }

  poll_item<item_type> poll_next(context& cx) {
    // Start futures while there is room.
    while (running_ < n_ && !inner_done_) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) break;
      auto& v = *p;
      if (!v) {
        inner_done_ = true;
        break;
      }
      std::size_t i = 0;
      while (slots_[i].has_value()) ++i;
      slots_[i].emplace(std::move(*v));
      ++running_;
    }
    // Poll the running ones, starting after the last winner (fair among them).
    for (std::size_t k = 0; k < n_ && running_ > 0; ++k) {
      const std::size_t i = (start_ + k) % n_;
      if (!slots_[i]) continue;
      auto q = slots_[i]->poll(cx);
      if (q.is_pending()) continue;
      start_ = i + 1;
      --running_;
      if constexpr (std::is_void_v<out_t>) {
        slots_[i].reset();
        return detail::item<item_type>();
      } else {
        poll_item<item_type> out = detail::item<item_type>(q.take());
        slots_[i].reset();
        return out;
      }
    }
    if (running_ == 0 && inner_done_) return detail::end<item_type>();
    return pending;
  }

  /// Futures running now.
  [[nodiscard]] std::size_t running() const noexcept { return running_; }

private:
  S s_;
  std::size_t n_;
  std::unique_ptr<std::optional<fut_t>[]> slots_;
  std::size_t running_ = 0;
  std::size_t start_ = 0;
  bool inner_done_ = false;
};

/// Runs up to `n` futures taken from the stream at once (the stream is polled for more
/// only while fewer than n run) and yields their outputs in completion order (void →
/// std::monostate). Futures run inside the consumer's poll; for parallelism across
/// threads, let the stream yield join handles of spawned tasks.
/// Preconditions: n > 0.
/// Cancellation: cancel-safe as a stream (an output is taken only by the poll that returns
/// it; running futures stay in the adaptor). Dropping it drops the running futures.
inline auto buffer_unordered(std::size_t n) {
  return adaptor{[n]<class S>(S&& s) {
    return buffer_unordered_stream<detail::stored_t<S>>(std::forward<S>(s), n);
  }};
}

} // namespace weft::stream
