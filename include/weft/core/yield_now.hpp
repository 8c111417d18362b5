// weft/core/yield_now.hpp: yield_now(), a future that is pending once (after waking its
// task) and ready on the next poll, so the executor runs the other tasks in between.
#pragma once

#include "weft/core/future.hpp"

namespace weft {

/// The future returned by yield_now().
class yield_future {
public:
  ::weft::poll<void> poll(context& cx) {
    if (yielded_) return ready();
    yielded_ = true;
    cx.waker().wake_by_ref();
    return pending;
  }

private:
  bool yielded_ = false;
};

/// Gives the other tasks a turn: `co_await weft::yield_now();`. An executor puts a task that
/// woke itself during its own poll behind the tasks already queued.
inline yield_future yield_now() noexcept { return {}; }

} // namespace weft
