// weft/io/detail/timer_node.hpp: timer_node, a timer_entry plus what a sleeping future needs
// to be woken across threads: a lock, the fired flag and the waker.
//
// Protocol: the wheel (entry links) belongs to the owner driver's thread. `fired` and
// `waker` are guarded by `lock`, because the sleeping future may be polled on another
// thread after its task moved: the owner sets fired and takes the waker under the lock; the
// future reads fired / replaces the waker under the lock.
#pragma once

#include <optional>

#include "weft/core/waker.hpp"
#include "weft/detail/spin_lock.hpp"
#include "weft/io/detail/timer_wheel.hpp"

namespace weft::io::detail {

struct timer_node : time::detail::timer_entry {
  weft::detail::spin_lock lock;
  bool fired = false;
  std::optional<waker> waker_;

  /// Called by the owner when the wheel fires the entry (already unlinked).
  void fire() {
    std::optional<waker> w;
    lock.lock();
    fired = true;
    w.swap(waker_);
    lock.unlock();
    if (w) std::move(*w).wake();
  }
};

} // namespace weft::io::detail
