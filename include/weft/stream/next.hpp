// weft/stream/next.hpp: next(s), the future of a stream's next item: `co_await next(s)`
// gives std::optional<T> (std::nullopt once the stream ended).
#pragma once

#include <optional>

#include "weft/stream/async_stream.hpp"

namespace weft::stream {

/// The future returned by next(); it borrows the stream.
template <async_stream S> class next_future {
public:
  explicit next_future(S& s) noexcept : s_(&s) {}
  poll_item<stream_item_t<S>> poll(context& cx) { return s_->poll_next(cx); }

private:
  S* s_;
};

/// The next item of `s`, or std::nullopt when it ended.
///
/// Preconditions: `s` outlives the future and is polled by nobody else meanwhile.
/// Cancellation: dropping the future loses no item (an item is taken from the stream only by
/// the poll that returns it), so it is exactly as cancel-safe as `s.poll_next`; every weft
/// source and adaptor is, except where its own doc comment says otherwise.
template <async_stream S> next_future<S> next(S& s) noexcept { return next_future<S>(s); }

} // namespace weft::stream
