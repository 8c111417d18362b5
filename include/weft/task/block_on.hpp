// weft/task/block_on.hpp: block_on_current_thread(f), which runs any future to completion on
// the calling thread, sleeping (never spinning) while it is pending. The runtime layer
// builds weft::block_on on top of it; this one needs no runtime.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/task/thread_parker.hpp"

namespace weft {

/// Runs `f` to completion on this thread with a parker-backed waker; a wake from any thread
/// resumes it. Spawning needs a runtime: use weft::block_on or runtime::block_on for that.
///
/// Errors: an exception thrown by the future's poll propagates.
namespace detail {
/// How deeply block_on_current_thread calls nest on this thread.
inline thread_local constinit std::size_t block_on_depth = 0;
} // namespace detail

template <future F> future_output_t<F> block_on_current_thread(F f) {
  auto& parker = detail::thread_parker::for_depth(detail::block_on_depth);
  struct depth_scope {
    depth_scope() noexcept { ++detail::block_on_depth; }
    depth_scope(const depth_scope&) = delete;
    depth_scope& operator=(const depth_scope&) = delete;
    ~depth_scope() { --detail::block_on_depth; }
  } nested;
  waker w = parker.make_waker();
  context cx(w);
  for (;;) {
    coop::budget_scope budget(coop::task_budget());
    auto p = f.poll(cx);
    if (p.is_ready()) {
      return p.take();  // also for void: returning a void expression
    }
    parker.park();
  }
}

} // namespace weft

