// weft/io/reactor.hpp: reactor, what every I/O driver shares, whichever kernel interface it
// uses (uring_driver, epoll_driver): the owner thread, the timers (time_driver), the mailbox
// through which other threads ask for cancels and timer removals, and the operations the
// leaf futures call on the driver that owns their op (cancel, wait for completion, post a
// cancel from another thread). Leaf futures and sleeps hold a reactor*, so the same future
// works on either backend.
//
// Protocol
// Roles: the owner thread (made the driver; the only one that touches timers_, or serves the
// mailbox) and other threads (post_cancel, post_timer_removal; then unpark).
// - mailbox_: see detail/mailbox.hpp. The owner serves it in every turn and park (service());
//   after shutdown it is closed: a timer removal is then moot (the wheel was cleared), a
//   cancel is a bug (every op completed before shutdown returned) and aborts with a message.
// - cancel(op) and wait_completed(op) are the backend's; they run on the owner thread only.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "weft/io/detail/mailbox.hpp"
#include "weft/io/detail/time_driver.hpp"
#include "weft/io/op_state.hpp"
#include "weft/io/timer_node.hpp"
#include "weft/runtime/driver.hpp"
#include "weft/runtime/io_backend.hpp"

namespace weft::io {

class reactor : public weft::driver {
public:
  /// The I/O driver of the calling thread (either backend), or null.
  static reactor* current() noexcept {
    weft::driver* d = weft::current_driver();
    return d != nullptr ? static_cast<reactor*>(d->downcast(&tag)) : nullptr;
  }
  void* downcast(const void* t) noexcept override {
    return t == &tag ? static_cast<void*>(this) : nullptr;
  }

  /// io_backend::io_uring or io_backend::epoll (never automatic).
  [[nodiscard]] weft::io_backend backend() const noexcept { return backend_; }
  /// True on the thread that owns this driver (whether or not it is the current driver).
  [[nodiscard]] bool on_owner_thread() const noexcept {
    return std::this_thread::get_id() == owner_thread_;
  }

  /// Owner thread: cancels `op`; it still ends with exactly one completion.
  virtual void cancel(detail::op_state* op) = 0;
  /// Owner thread: drives the backend until `op` completed (its memory is free again).
  virtual void wait_completed(detail::op_state* op) = 0;

  /// Any thread: asks the owner to cancel `op` and wakes it; never waits. The request holds
  /// a reference to the op, dropped by the owner.
  void post_cancel(detail::op_state* op) {
    op->add_ref();
    op->cancel_req.op = op;
    if (on_owner_thread()) {
      serve_cancel(op);  // the owner's thread, outside this driver's context
      return;
    }
    if (!mailbox_.post(&op->cancel_req)) {
      std::fprintf(stderr, "weft: fatal: an I/O operation was dropped after the driver it was "
                           "submitted to shut down (it outlived its runtime thread)\n");
      std::abort();
    }
    unpark();  // only a parked owner needs it: the owner checks its mailbox every turn
  }

  // ---- timers ------------------------------------------------------------------------------

  /// Owner thread: links `n` (the holder set its deadline); the wheel takes a reference.
  void insert_timer(detail::timer_node* n) { timers_.insert(n, this); }
  /// Owner thread: unlinks `n` if still linked.
  void remove_timer(detail::timer_node* n) noexcept { timers_.remove(n); }
  /// Any thread: asks the owner to unlink `n`, without waiting (the request holds a
  /// reference). After shutdown the wheel was cleared already: it only drops that reference.
  void post_timer_removal(detail::timer_node* n) {
    n->add_ref();
    if (!mailbox_.post(n)) {
      n->release();
      return;
    }
    unpark();
  }

  /// Owner thread: serves the mailbox and fires due timers; returns how many it handled.
  std::size_t service() { return service_mail() + timers_.fire_due(); }

  /// Owner thread: serves requests from other threads; returns how many.
  std::size_t service_mail() {
    if (!mailbox_.has_mail()) return 0;
    return serve(mailbox_.take());
  }

protected:
  reactor(weft::io_backend b, bool auto_advance) noexcept : timers_(auto_advance), backend_(b) {}

  /// Shutdown: refuses later requests and serves what was still queued.
  void close_mailbox() { serve(mailbox_.close()); }

  detail::time_driver timers_;  // owner thread only

private:
  static inline const char tag = 0;

  std::size_t serve(detail::mailbox::mail m) {
    std::size_t n = 0;
    for (detail::cancel_request* r = m.cancels; r != nullptr; ++n) {
      detail::cancel_request* next = r->next;
      serve_cancel(r->op);
      r = next;
    }
    for (detail::timer_node* t = m.removals; t != nullptr; ++n) {
      detail::timer_node* next = t->removal_next;
      timers_.remove(t);
      t->release();  // the request's reference
      t = next;
    }
    return n;
  }

  void serve_cancel(detail::op_state* op) {
    cancel(op);
    op->release();  // the reference the poster took for the request
  }

  const weft::io_backend backend_;
  const std::thread::id owner_thread_ = std::this_thread::get_id();
  detail::mailbox mailbox_;  // any thread
};

} // namespace weft::io
