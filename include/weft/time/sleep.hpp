// weft/time/sleep.hpp: sleep(d) and sleep_until(t): futures that complete once weft's clock
// reaches a deadline. The first poll links a timer node (a small block from the frame
// allocator) into the timer wheel of the driver of the thread polling it.
//
// Protocol (see io/timer_node.hpp): the wheel belongs to the owner driver's thread. A
// sleep polled or dropped on another thread (its task moved) never touches the wheel: it reads
// `fired` / swaps the waker under the node's lock, and a drop takes its waker out and posts a
// removal to the owner without waiting (the node is reference-counted), so dropping a sleep
// never blocks.
#pragma once

#include <chrono>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/io/backend.hpp"
#include "weft/io/reactor.hpp"
#include "weft/io/clock.hpp"
#include "weft/io/timer_node.hpp"

namespace weft::time {

/// The future returned by sleep_until() and sleep(). Cancel-safe; dropping it never waits.
///
/// Preconditions: polled on a runtime thread (a task, or inside block_on).
class sleep_future {
public:
  explicit sleep_future(instant deadline) noexcept : deadline_(deadline) {}
  sleep_future(sleep_future&& o) noexcept
      : deadline_(o.deadline_), node_(std::exchange(o.node_, nullptr)), done_(o.done_) {}
  sleep_future& operator=(sleep_future&&) = delete;
  ~sleep_future() { unregister(); }

  ::weft::poll<void> poll(context& cx) {
    if (node_ == nullptr) {
      if (done_) return ready();
      if (!coop::poll_proceed(cx)) return pending;
      // Elapsed deadlines complete now, not at the next wheel tick (sleep(0) must not
      // wait for time to move, which a paused clock may never do).
      if (now() >= deadline_) {
        done_ = true;
        return ready();
      }
      io::reactor* d = io::reactor::current();
      WEFT_CHECK(d != nullptr, "weft::time::sleep must be awaited on a runtime thread");
      node_ = new io::detail::timer_node();
      node_->deadline = detail::tick_at(deadline_);
      node_->waker_ = cx.waker();
      d->insert_timer(node_);
      return pending;
    }
    node_->lock.lock();
    if (node_->fired) {
      node_->lock.unlock();
      std::exchange(node_, nullptr)->release();
      done_ = true;
      return ready();
    }
    node_->waker_.clone_from(cx.waker());
    node_->lock.unlock();
    return pending;
  }

  /// The instant this sleep completes at.
  [[nodiscard]] instant deadline() const noexcept { return deadline_; }
  /// True once it completed.
  [[nodiscard]] bool is_elapsed() const noexcept { return done_; }

  /// Moves the deadline (like tokio's Sleep::reset). Preconditions: not being polled.
  void reset(instant deadline) {
    unregister();
    deadline_ = deadline;
    done_ = false;
  }

private:
  void unregister() noexcept {
    io::detail::timer_node* n = std::exchange(node_, nullptr);
    if (n == nullptr) return;
    waker w(nullptr, nullptr);
    n->lock.lock();
    const bool linked_maybe = !n->fired && !n->orphaned;
    w.swap(n->waker_);  // a late fire wakes nobody
    n->lock.unlock();
    if (linked_maybe) {
      io::reactor* me = io::reactor::current();
      if (me == n->owner || n->owner->on_owner_thread()) {
        n->owner->remove_timer(n);
      } else {
        n->owner->post_timer_removal(n);  // fire and forget
      }
    }
    n->release();  // the holder's reference
  }

  instant deadline_;
  io::detail::timer_node* node_ = nullptr;
  bool done_ = false;
};

/// Completes at `deadline` (never before).
inline sleep_future sleep_until(instant deadline) noexcept { return sleep_future(deadline); }

/// Completes after `d` has passed on weft's clock (never before).
template <class Rep, class Period>
sleep_future sleep(std::chrono::duration<Rep, Period> d) noexcept {
  return sleep_future(now() + std::chrono::duration_cast<duration>(d));
}

} // namespace weft::time
