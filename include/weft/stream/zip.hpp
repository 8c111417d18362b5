// weft/stream/zip.hpp: `a | zip(b)`, pairs of one item from each; ends when either ends.
#pragma once

#include <optional>
#include <utility>

#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream returned by `a | zip(b)`.
template <class A, class B> class zip_stream {
  using TA = stream_item_t<A>;
  using TB = stream_item_t<B>;

public:
  using item_type = std::pair<TA, TB>;

  template <class A2, class B2>
  zip_stream(A2&& a, B2&& b) : a_(std::forward<A2>(a)), b_(std::forward<B2>(b)) {}

  poll_item<item_type> poll_next(context& cx) {
    if (done_) return detail::end<item_type>();
    if (!va_) {
      auto p = a_.poll_next(cx);
      if (p.is_ready()) {
        if (!*p) return finish();
        va_.emplace(std::move(**p));
      }
    }
    if (!vb_) {
      auto p = b_.poll_next(cx);
      if (p.is_ready()) {
        if (!*p) return finish();
        vb_.emplace(std::move(**p));
      }
    }
    if (!va_ || !vb_) return pending;
    poll_item<item_type> out = detail::item<item_type>(std::move(*va_), std::move(*vb_));
    va_.reset();
    vb_.reset();
    return out;
  }

private:
  poll_item<item_type> finish() {
    done_ = true;
    va_.reset();
    vb_.reset();
    return detail::end<item_type>();
  }

  A a_;
  B b_;
  std::optional<TA> va_;
  std::optional<TB> vb_;
  bool done_ = false;
};

/// Pairs the items of the stream on the left with those of `other`, in step; both are
/// polled in each poll. Ends when either ends (a buffered item of the other is dropped).
/// Cancellation: cancel-safe: an item taken from one side waits in the adaptor.
template <class B> auto zip(B&& other) {
  using SB = detail::stored_t<B>;
  return adaptor{[h = detail::holder<SB>{std::forward<B>(other)}]<class A>(A&& a) mutable {
    return zip_stream<detail::stored_t<A>, SB>(std::forward<A>(a), std::forward<SB>(h.s));
  }};
}

} // namespace weft::stream
