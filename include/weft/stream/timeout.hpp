// weft/stream/timeout.hpp: `s | timeout(d)`, a deadline per item: each item comes as
// result<T>; when the inner stream yields nothing for `d`, the stream yields the error
// std::errc::timed_out and goes on waiting (with a fresh deadline).
#pragma once

#include <chrono>
#include <optional>
#include <system_error>
#include <utility>

#include "weft/core/result.hpp"
#include "weft/stream/adaptor.hpp"
#include "weft/time/sleep.hpp"

namespace weft::stream {

/// The stream returned by `s | timeout(d)`.
template <class S> class timeout_stream {
  using T = stream_item_t<S>;

public:
  using item_type = result<T>;

  template <class S2>
  timeout_stream(S2&& s, time::duration d) : s_(std::forward<S2>(s)), d_(d) {}
  // Moved only before the first poll (adaptors are built by moving); the timer is not
  // moved at all, which also spares g++ a false maybe-uninitialized on optional's move.
  timeout_stream(timeout_stream&& o) : s_(std::forward<S>(o.s_)), d_(o.d_) {
    WEFT_ASSERT(!o.deadline_.has_value(), "moved a timeout_stream while its timer is armed");
  }
  timeout_stream& operator=(timeout_stream&&) = delete;

  poll_item<item_type> poll_next(context& cx) {
    if (!deadline_) deadline_.emplace(time::now() + d_);
    auto p = s_.poll_next(cx);
    if (p.is_ready()) {
      deadline_.reset();
      auto& v = *p;
      if (!v) return detail::end<item_type>();
      return detail::item<item_type>(std::move(*v));
    }
    if (deadline_->poll(cx).is_pending()) return pending;
    deadline_.reset();  // the next poll starts a new deadline
    return detail::item<item_type>(std::make_error_code(std::errc::timed_out));
  }

private:
  S s_;
  time::duration d_;
  std::optional<time::sleep_future> deadline_;
};

/// Gives every item a deadline of `d`, counted from the first poll that waits for it.
/// Items come as `result<T>`; a missed deadline yields `std::errc::timed_out`, and the
/// stream goes on (stop with `take_while` if the first timeout should end it). The inner
/// stream is polled first: an item ready at the deadline wins.
/// Preconditions: polled on a runtime thread (it sleeps on weft's timer wheel).
/// Cancellation: as cancel-safe as the inner stream; the inner stream is never dropped by
/// a timeout, so a timeout loses nothing either.
template <class Rep, class Period> auto timeout(std::chrono::duration<Rep, Period> d) {
  const auto dd = std::chrono::duration_cast<time::duration>(d);
  return adaptor{[dd]<class S>(S&& s) {
    return timeout_stream<detail::stored_t<S>>(std::forward<S>(s), dd);
  }};
}

} // namespace weft::stream
