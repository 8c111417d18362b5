// weft/stream/buffer_unordered.hpp: `s | buffer_unordered(n)`: s yields futures; up to n of
// them run at once and their outputs are yielded as they complete (any order).
//
// Each running future is polled with a waker of its own (detail/future_slots.hpp), so a
// wake re-polls only that future: the cost of a wake does not grow with n. Futures stay in
// fixed slots and never move once polled.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/core/future.hpp"
#include "weft/stream/adaptor.hpp"
#include "weft/stream/detail/future_slots.hpp"

namespace weft::stream {

/// The stream returned by `s | buffer_unordered(n)`.
template <class S> class buffer_unordered_stream {
  using fut_t = stream_item_t<S>;
  static_assert(future<fut_t>, "buffer_unordered needs a stream of weft futures");
  using out_t = future_output_t<fut_t>;

public:
  using item_type = weft::detail::storable_t<out_t>;

  template <class S2>
  buffer_unordered_stream(S2&& s, std::size_t n) : s_(std::forward<S2>(s)), slots_(n) {
    WEFT_ASSERT(n > 0, "buffer_unordered(0)");
    free_.reserve(n);
    for (std::size_t i = n; i > 0; --i) free_.push_back(i - 1);
  }

  poll_item<item_type> poll_next(context& cx) {
    slots_.begin_poll(cx);
    // Start futures while there is room; each gets its first poll at once.
    while (!free_.empty() && !inner_done_) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) break;
      auto& v = *p;
      if (!v) {
        inner_done_ = true;
        break;
      }
      const std::size_t i = free_.back();
      free_.pop_back();
      slots_.emplace(i, std::move(*v));
      if (auto out = try_slot(i)) return std::move(*out);
    }
    // Then the woken ones.
    while (auto i = slots_.next_woken()) {
      if (!slots_.occupied(*i)) continue;  // a late wake of a finished future
      if (auto out = try_slot(*i)) return std::move(*out);
    }
    if (running() == 0 && inner_done_) return detail::end<item_type>();
    return pending;
  }

  /// Futures running now.
  [[nodiscard]] std::size_t running() const noexcept { return slots_.size() - free_.size(); }

private:
  std::optional<poll_item<item_type>> try_slot(std::size_t i) {
    auto q = slots_.poll(i);
    if (q.is_pending()) return std::nullopt;
    std::optional<poll_item<item_type>> out;
    if constexpr (std::is_void_v<out_t>) {
      out.emplace(detail::item<item_type>());
    } else {
      out.emplace(detail::item<item_type>(q.take()));
    }
    slots_.reset(i);
    free_.push_back(i);
    return out;
  }

  S s_;
  detail::future_slots<fut_t> slots_;
  std::vector<std::size_t> free_;
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
