// weft/stream/buffered.hpp: `s | buffered(n)`: s yields futures; up to n of them run at
// once and their outputs are yielded in the order the futures came from s.
//
// A ring of n slots (future, then its output once it completed), oldest first. Each
// running future is polled with a waker of its own (detail/future_slots.hpp), so a wake
// re-polls only that future.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/stream/adaptor.hpp"
#include "weft/stream/detail/future_slots.hpp"

namespace weft::stream {

/// The stream returned by `s | buffered(n)`.
template <class S> class buffered_stream {
  using fut_t = stream_item_t<S>;
  static_assert(future<fut_t>, "buffered needs a stream of weft futures");
  using out_t = future_output_t<fut_t>;

public:
  using item_type = weft::detail::storable_t<out_t>;

  template <class S2>
  buffered_stream(S2&& s, std::size_t n)
      : s_(std::forward<S2>(s)), slots_(n), outs_(std::make_unique<std::optional<item_type>[]>(n)) {
    WEFT_ASSERT(n > 0, "buffered(0)");
  }

  poll_item<item_type> poll_next(context& cx) {
    const std::size_t n = slots_.size();
    slots_.begin_poll(cx);
    while (count_ < n && !inner_done_) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) break;
      auto& v = *p;
      if (!v) {
        inner_done_ = true;
        break;
      }
      const std::size_t i = (head_ + count_) % n;
      slots_.emplace(i, std::move(*v));
      ++count_;
      poll_slot(i);
    }
    while (auto i = slots_.next_woken()) {
      if (slots_.occupied(*i)) poll_slot(*i);
    }
    if (count_ > 0 && outs_[head_]) {
      poll_item<item_type> out = detail::item<item_type>(std::move(*outs_[head_]));
      outs_[head_].reset();
      head_ = (head_ + 1) % n;
      --count_;
      return out;
    }
    if (count_ == 0 && inner_done_) return detail::end<item_type>();
    return pending;
  }

private:
  void poll_slot(std::size_t i) {
    auto q = slots_.poll(i);
    if (q.is_pending()) return;
    if constexpr (std::is_void_v<out_t>) {
      outs_[i].emplace();
    } else {
      outs_[i].emplace(q.take());
    }
    slots_.reset(i);
  }

  S s_;
  detail::future_slots<fut_t> slots_;
  std::unique_ptr<std::optional<item_type>[]> outs_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool inner_done_ = false;
};

/// Runs up to `n` futures taken from the stream at once and yields their outputs in the
/// stream's order (void → std::monostate); a finished output waits for the older ones,
/// and holds its slot meanwhile.
/// Preconditions: n > 0.
/// Cancellation: cancel-safe as a stream; dropping it drops running futures and waiting
/// outputs.
inline auto buffered(std::size_t n) {
  return adaptor{[n]<class S>(S&& s) {
    return buffered_stream<detail::stored_t<S>>(std::forward<S>(s), n);
  }};
}

} // namespace weft::stream
