// weft/time/sleep.hpp: sleep(d) and sleep_until(t): futures that complete once weft's clock
// reaches a deadline. The timer lives inside the future (no allocation), linked into the
// timer wheel of the driver of the thread that first polls it.
//
// Protocol (see io/detail/timer_node.hpp): the wheel belongs to the owner driver's thread.
// A sleep polled or dropped on another thread (its task moved) never touches the wheel: it
// reads `fired` / swaps the waker under the node's lock, and a drop sends a remove request
// to the owner and waits for it (serving its own driver meanwhile), because the node's
// memory is the future's.
#pragma once

#include <chrono>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/detail/futex.hpp"
#include "weft/io/driver.hpp"
#include "weft/io/detail/clock.hpp"
#include "weft/io/detail/timer_node.hpp"

namespace weft::time {

/// The future returned by sleep_until() and sleep(). Cancel-safe.
///
/// Preconditions: polled on a runtime thread (a task, or inside block_on).
class sleep_future {
public:
  explicit sleep_future(instant deadline) noexcept : deadline_(deadline) {}
  sleep_future(sleep_future&& o) noexcept : deadline_(o.deadline_) {
    WEFT_ASSERT(o.owner_ == nullptr, "a sleep moved after it was polled");
  }
  sleep_future& operator=(sleep_future&&) = delete;
  ~sleep_future() { unregister(); }

  ::weft::poll<void> poll(context& cx) {
    if (owner_ == nullptr) {
      if (done_) return ready();
      if (!coop::poll_proceed(cx)) return pending;
      const std::uint64_t tick = detail::tick_at(deadline_);
      io::uring_driver* d = io::uring_driver::current();
      WEFT_CHECK(d != nullptr, "weft::time::sleep must be awaited on a runtime thread");
      // Elapsed deadlines complete now, not at the next wheel tick (sleep(0) must not
      // wait for time to move, which a paused clock may never do).
      if (now() >= deadline_) {
        done_ = true;
        return ready();
      }
      node_.deadline = tick;
      node_.waker_.emplace(cx.waker());
      owner_ = d;
      d->insert_timer(&node_);
      return pending;
    }
    node_.lock.lock();
    if (node_.fired) {
      node_.lock.unlock();
      owner_ = nullptr;
      done_ = true;
      return ready();
    }
    if (!node_.waker_ || !node_.waker_->will_wake(cx.waker())) node_.waker_ = cx.waker();
    node_.lock.unlock();
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
    node_.fired = false;
  }

private:
  void unregister() noexcept {
    io::uring_driver* owner = std::exchange(owner_, nullptr);
    if (owner == nullptr) return;
    io::uring_driver* me = io::uring_driver::current();
    if (me == owner || owner->on_owner_thread()) {
      owner->remove_timer(&node_);
    } else {
      node_.lock.lock();
      const bool fired = node_.fired;
      node_.lock.unlock();
      if (!fired) {
        weft::detail::atomic<std::uint32_t> done{0};
        io::detail::remote_request req;
        req.what = io::detail::remote_request::kind::remove_timer;
        req.target = &node_;
        req.done = &done;
        owner->post_remote(&req);
        // acquire: pairs with finish_request's release; the node is unlinked after it.
        while (done.load(weft::detail::memory_order_acquire) == 0) {
          if (me != nullptr) me->service_remote();
          weft::detail::futex_wait(done, 0, std::chrono::milliseconds(1));
        }
      }
    }
    node_.waker_.reset();
  }

  instant deadline_;
  io::detail::timer_node node_;
  io::uring_driver* owner_ = nullptr;
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
