// weft/stream/from_receiver.hpp: from_receiver(r), the stream of a channel receiver's
// values: anything with `poll_recv(context&) -> poll<std::optional<T>>` (weft::sync's mpsc
// receiver, or any other), ending when the receiver reports std::nullopt (every sender gone
// and the queue drained).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/stream/async_stream.hpp"

namespace weft::stream {

/// Satisfied by receivers that from_receiver() accepts.
template <class R>
concept pollable_receiver = requires(R& r, context& cx) {
  { r.poll_recv(cx) } -> detail::optional_poll_type;
};

/// The stream returned by from_receiver().
template <class R> class receiver_stream {
  using recv_t = std::remove_reference_t<R>;

public:
  using item_type = typename detail::optional_poll<
      decltype(std::declval<recv_t&>().poll_recv(std::declval<context&>()))>::item;

  template <class R2>
  explicit receiver_stream(R2&& r) : r_(std::forward<R2>(r)) {}

  poll_item<item_type> poll_next(context& cx) { return r_.poll_recv(cx); }

  /// The receiver (e.g. to close it).
  recv_t& receiver() noexcept { return r_; }

private:
  R r_;
};

/// The values received from `r` as a stream: an lvalue receiver is borrowed (it must
/// outlive the stream), an rvalue one is moved in.
/// Cancellation: exactly that of `r.poll_recv` (for weft's mpsc receiver: cancel-safe).
template <class R>
  requires pollable_receiver<std::remove_reference_t<R>>
receiver_stream<detail::stored_t<R>> from_receiver(R&& r) {
  return receiver_stream<detail::stored_t<R>>(std::forward<R>(r));
}

} // namespace weft::stream
