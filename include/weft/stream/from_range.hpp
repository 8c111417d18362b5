// weft/stream/from_range.hpp: from_range(r), a stream of a range's elements (always ready).
#pragma once

#include <iterator>
#include <ranges>
#include <type_traits>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/stream/async_stream.hpp"

namespace weft::stream {

/// A stream over range R's elements, copied out (moved out when the range was given as an
/// rvalue and owns them).
template <std::ranges::input_range R> class range_stream {
  using iter_t = std::ranges::iterator_t<R>;
  using sent_t = std::ranges::sentinel_t<R>;

public:
  using item_type = std::ranges::range_value_t<R>;

  template <class R2>
  explicit range_stream(R2&& r) : range_(std::forward<R2>(r)) {}
  range_stream(range_stream&& o) : range_(std::forward<R>(o.range_)) {
    WEFT_ASSERT(!o.started_, "moved a range stream after its first poll");
  }
  range_stream& operator=(range_stream&&) = delete;

  poll_item<item_type> poll_next(context& cx) {
    if (!started_) {
      it_ = std::ranges::begin(range_);
      end_ = std::ranges::end(range_);
      started_ = true;
    }
    if (it_ == end_) return detail::end<item_type>();
    if (!coop::poll_proceed(cx)) return pending;  // budget spent: poll_proceed woke us
    if constexpr (owns_) {
      poll_item<item_type> out = detail::item<item_type>(std::ranges::iter_move(it_));
      ++it_;
      return out;
    } else {
      poll_item<item_type> out = detail::item<item_type>(*it_);
      ++it_;
      return out;
    }
  }

private:
  static constexpr bool owns_ = !std::is_reference_v<R>;
  R range_;
  iter_t it_{};
  sent_t end_{};
  bool started_ = false;
};

/// A stream of the elements of `r`: an lvalue range is borrowed (it must outlive the
/// stream) and its elements copied; an rvalue range is moved in and its elements moved out.
/// Always ready; each item spends one unit of the cooperative budget.
/// Cancellation: cancel-safe (nothing is lost between polls).
template <std::ranges::input_range R> auto from_range(R&& r) {
  return range_stream<detail::stored_t<R>>(std::forward<R>(r));
}

} // namespace weft::stream
