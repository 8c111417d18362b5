// weft/stream/merge.hpp: `a | merge(b)`, the items of both streams as they come; ends when
// both ended.
#pragma once

#include <type_traits>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `a | merge(b)`.
template <class A, class B> class merge_stream {
  static_assert(std::is_same_v<stream_item_t<A>, stream_item_t<B>>,
                "merge needs two streams of the same item type (map one first)");

public:
  using item_type = stream_item_t<A>;

  template <class A2, class B2>
  merge_stream(A2&& a, B2&& b) : a_(std::forward<A2>(a)), b_(std::forward<B2>(b)) {}

  /// Polls the two sides in alternating order (fair: an always-ready side cannot starve
  /// the other).
  poll_item<item_type> poll_next(context& cx) {
    first_b_ = !first_b_;
    if (first_b_) {
      if (auto p = poll_b(cx); p.is_ready() && *p) return p;
      if (auto p = poll_a(cx); p.is_ready() && *p) return p;
    } else {
      if (auto p = poll_a(cx); p.is_ready() && *p) return p;
      if (auto p = poll_b(cx); p.is_ready() && *p) return p;
    }
    if (a_done_ && b_done_) return detail::end<item_type>();
    return pending;
  }

private:
  poll_item<item_type> poll_a(context& cx) {
    if (a_done_) return pending;
    auto p = a_.poll_next(cx);
    if (p.is_ready() && !*p) a_done_ = true;
    return p;
  }
  poll_item<item_type> poll_b(context& cx) {
    if (b_done_) return pending;
    auto p = b_.poll_next(cx);
    if (p.is_ready() && !*p) b_done_ = true;
    return p;
  }

  A a_;
  B b_;
  bool a_done_ = false;
  bool b_done_ = false;
  bool first_b_ = true;
};

/// Interleaves the items of the stream on the left and of `other` (same item type) in
/// the order they become ready. Cancellation: cancel-safe if both sides are.
template <class B> auto merge(B&& other) {
  using SB = detail::stored_t<B>;
  return adaptor{[h = detail::holder<SB>{std::forward<B>(other)}]<class A>(A&& a) mutable {
    return merge_stream<detail::stored_t<A>, SB>(std::forward<A>(a), std::forward<SB>(h.s));
  }};
}

} // namespace weft::stream
