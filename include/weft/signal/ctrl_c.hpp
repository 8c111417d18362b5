// weft/signal/ctrl_c.hpp: ctrl_c(), a future of the next SIGINT, for graceful shutdown.
#pragma once

#include <optional>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/core/poll.hpp"
#include "weft/core/result.hpp"
#include "weft/signal/signal_stream.hpp"

namespace weft::signal {

/// The future ctrl_c() returns: ready with success at the next SIGINT, or at once with the
/// error that kept weft from listening.
class ctrl_c_future {
public:
  explicit ctrl_c_future(result<signal_stream> s) : s_(std::move(s)) {}

  ::weft::poll<result<void>> poll(context& cx) {
    if (!s_) return ::weft::poll<result<void>>(std::in_place, s_.error());
    if (s_->poll_next(cx).is_pending()) return pending;
    return ::weft::poll<result<void>>(std::in_place);
  }

private:
  result<signal_stream> s_;
};

/// Completes at the next SIGINT (Ctrl-C in a terminal). The listener exists from this call
/// on (not from the first poll), so a SIGINT between the call and the first co_await is not
/// lost; neither is one that arrived earlier while weft's SIGINT handler was installed and
/// no listener had taken it (see signal()).
/// What it does to the process: installs weft's SIGINT handler (see signal()): from the
/// first call on, Ctrl-C no longer terminates the process by itself.
/// Cancellation: cancel-safe; dropping it stops listening.
inline ctrl_c_future ctrl_c() { return ctrl_c_future(signal(SIGINT)); }

} // namespace weft::signal
