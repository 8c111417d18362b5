// weft/stream/buffered.hpp: `s | buffered(n)`: s yields futures; up to n of them run at
// once and their outputs are yielded in the order the futures came from s.
//
// A ring of n slots (future, then its output once it completed), oldest first. Each poll
// re-polls every running future (O(n) per poll, n being a small concurrency bound).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/stream/adaptor.hpp"

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
      : s_(std::forward<S2>(s)), n_(n), slots_(std::make_unique<slot[]>(n)) {
    WEFT_ASSERT(n > 0, "buffered(0)");
  }

  poll_item<item_type> poll_next(context& cx) {
    while (count_ < n_ && !inner_done_) {
      auto p = s_.poll_next(cx);
      if (p.is_pending()) break;
      auto& v = *p;
      if (!v) {
        inner_done_ = true;
        break;
      }
      slots_[(head_ + count_) % n_].fut.emplace(std::move(*v));
      ++count_;
    }
    for (std::size_t k = 0; k < count_; ++k) {
      slot& sl = slots_[(head_ + k) % n_];
      if (!sl.fut) continue;  // done, output waiting for its turn
      auto q = sl.fut->poll(cx);
      if (q.is_pending()) continue;
      if constexpr (std::is_void_v<out_t>) {
        sl.out.emplace();
      } else {
        sl.out.emplace(q.take());
      }
      sl.fut.reset();
    }
    if (count_ > 0 && slots_[head_].out) {
      slot& sl = slots_[head_];
      poll_item<item_type> out = detail::item<item_type>(std::move(*sl.out));
      sl.out.reset();
      head_ = (head_ + 1) % n_;
      --count_;
      return out;
    }
    if (count_ == 0 && inner_done_) return detail::end<item_type>();
    return pending;
  }

private:
  struct slot {
    std::optional<fut_t> fut;
    std::optional<item_type> out;
  };

  S s_;
  std::size_t n_;
  std::unique_ptr<slot[]> slots_;
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
