// weft/io/op_future.hpp: op_future, the leaf future of one operation, on either backend.
//
// On io_uring: the first poll prepares the SQE on the calling thread's ring (submitted with the
// next batch), the CQE wakes the task, the next poll returns the mapped result. Dropping it
// cancels the op safely (detail/op_holder.hpp).
//
// On epoll (epoll_driver.hpp): the op runs its epoll form, the fourth argument of make_op.
//
// How a new op supplies its epoll form (net/ and fs/ follow this):
//
//   make_op(prep, map, traits, form)
//
//   - prep(sqe, op_state&) and map(int32_t res) are as before: the io_uring form and the
//     mapping of a CQE-style result (>= 0 or -errno) to the output. The epoll form returns
//     the same kind of result, so `map` is shared and both backends give the same answers.
//   - form, one of (epoll_form.hpp):
//     * readiness(fd, events, try_now): sockets, pipes, eventfds, timerfds... try_now() makes
//       the system call once, non-blocking (MSG_DONTWAIT, RWF_NOWAIT, SOCK_NONBLOCK fds,
//       accept4(..., SOCK_NONBLOCK)) and returns its result or -errno. The first poll calls
//       it at once; only on -EAGAIN does the future register a readiness wait for `events`
//       (EPOLLIN / EPOLLOUT) on `fd` with the thread's epoll driver and return pending; when
//       the fd is ready it calls try_now() again (on whichever thread polls it), and so on.
//       -EINTR is retried at once. try_now() runs inside poll, on the caller's memory, so the
//       kernel never holds a buffer across polls: dropping the future only deregisters the
//       wait and never waits. A connect is try_now = connect() (-EINPROGRESS: return -EAGAIN
//       after the first call, wait for EPOLLOUT, then read SO_ERROR); an accept is accept4.
//     * blocking(run): file I/O, openat, statx, fsync... run() makes the blocking call on the
//       runtime's blocking pool (as Tokio does) and returns its result. Cancellation keeps
//       io_uring's guarantee: with op_traits{.borrows_memory = true} dropping the future waits
//       until run() returned (a dropped read never leaves a thread writing into freed
//       memory); without it the drop does not wait, so run() must own what it uses (copy the
//       path into the lambda) and a result that is a resource (op_traits::resource = fd) is
//       closed when nobody takes it. A blocking call cannot be interrupted: use it only for
//       calls that finish (files), never for ones that may wait forever (a pipe read).
//     * readiness_or_blocking(fd, events, try_now, run): the readiness form, falling back to
//       run() when `fd` cannot be polled (epoll_ctl: EPERM, a regular file) or try_now()
//       returns -EOPNOTSUPP (the fd cannot do the call non-blocking). io::read and io::write
//       use it.
//     * a struct of your own with the same members (fd, events, try_now(), optionally run()),
//       plus optionally `int32_t arm()`, called once on the first poll before anything else
//       (a negative result is the op's result): kernel_timeout creates its timerfd there.
//     * none (the three-argument make_op): the op completes with EOPNOTSUPP on epoll.
//   - traits.retryable is io_uring's (the readiness loop retries EAGAIN/EINTR by itself).
#pragma once

#include <cerrno>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/core/result.hpp"
#include "weft/io/backend.hpp"
#include "weft/io/detail/errors.hpp"
#include "weft/io/detail/op_holder.hpp"
#include "weft/io/epoll_driver.hpp"
#include "weft/io/epoll_form.hpp"
#include "weft/io/uring_driver.hpp"

namespace weft::io {

namespace detail {
template <class F> concept has_try_now = requires(F& f) {
  { f.try_now() } -> std::convertible_to<std::int32_t>;
  { f.fd } -> std::convertible_to<int>;
  { f.events } -> std::convertible_to<std::uint32_t>;
};
template <class F> concept has_run = requires(F& f) {
  { f.run() } -> std::convertible_to<std::int32_t>;
};
template <class F> concept has_arm = requires(F& f) {
  { f.arm() } -> std::convertible_to<std::int32_t>;
};
} // namespace detail

/// The leaf future of one operation. `Prep(sqe, op_state&)` fills the SQE; `Map(int32_t
/// res)` turns the result into the output; `Form` is the epoll form (see the header).
///
/// Preconditions: polled on a thread of a weft runtime (a worker, or inside block_on).
/// Cancellation: dropping the future cancels the operation. A drop never waits for an op
/// that does not borrow memory. An op that borrows the caller's memory (op_traits::
/// borrows_memory: a read or write buffer) waits in its destructor until the kernel has let
/// go of that memory: on the op's own thread that is one cancel round trip; on another worker
/// (the task moved) it also waits for the owner worker to take the cancel request, which it
/// does at its next scheduling tick or park, so a long-running task on the owner delays it.
/// On epoll a readiness wait never waits; a blocking-pool job with borrowed memory is waited
/// for until it returns.
template <class Prep, class Map, class Form = no_epoll_form> class op_future {
public:
  using output = std::invoke_result_t<Map&, std::int32_t>;

  op_future(Prep prep, Map map, op_traits traits, Form form = {})
      : prep_(std::move(prep)), map_(std::move(map)), form_(std::move(form)), traits_(traits) {}
  op_future(op_future&&) noexcept = default;
  op_future& operator=(op_future&&) = delete;

  ::weft::poll<output> poll(context& cx) {
    if (mode_ == mode::fresh) {
      if (!coop::poll_proceed(cx)) return pending;
      reactor* r = reactor::current();
      WEFT_CHECK(r != nullptr,
                 "weft I/O must be awaited on a runtime thread (a task, or inside block_on)");
      if (r->backend() == weft::io_backend::io_uring) {
        mode_ = mode::uring;
        holder_.start(static_cast<uring_driver&>(*r), prep_, cx.waker(), traits_);
        return pending;
      }
      mode_ = mode::readiness;
      if constexpr (detail::has_arm<Form>) {
        if (const std::int32_t a = form_.arm(); a < 0) return done(a);
      }
      if constexpr (!detail::has_try_now<Form>) {
        if constexpr (detail::has_run<Form>) {
          return go_blocking(cx);
        } else {
          return done(-EOPNOTSUPP);
        }
      }
    }
    if (mode_ == mode::uring || mode_ == mode::blocking) {
      if (auto r = holder_.poll_result(cx)) return done(*r);
      return pending;
    }
    if constexpr (detail::has_try_now<Form>) {
      return poll_readiness(cx);
    } else {
      return pending;  // unreachable: such forms never enter readiness mode past the first poll
    }
  }

private:
  enum class mode : std::uint8_t { fresh, uring, readiness, blocking };

  ::weft::poll<output> done(std::int32_t res) { return ::weft::poll<output>(std::in_place, map_(res)); }

  ::weft::poll<output> go_blocking(context& cx) {
    if constexpr (detail::has_run<Form>) {
      mode_ = mode::blocking;
      holder_.start_blocking([run = form_.run]() mutable -> std::int32_t { return run(); },
                             cx.waker(), traits_);
      return pending;
    } else {
      (void)cx;
      return done(-EOPNOTSUPP);
    }
  }

  ::weft::poll<output> poll_readiness(context& cx) {
    if (holder_.started()) {
      auto r = holder_.poll_result(cx);
      if (!r) return pending;
      if (*r < 0) return done(*r);  // the wait was cancelled (shutdown) or could not re-arm
    }
    for (;;) {
      const std::int32_t res = form_.try_now();
      if (res == -EINTR) continue;
      if (res == -EOPNOTSUPP && detail::has_run<Form>) return go_blocking(cx);
      if (res != -EAGAIN) return done(res);
      epoll_driver* d = epoll_driver::current();
      WEFT_CHECK(d != nullptr, "weft I/O started on epoll was polled on another backend");
      const int w = holder_.start_wait(*d, form_.fd, form_.events, cx.waker());
      if (w == 0) return pending;
      if constexpr (detail::has_run<Form>) {
        if (w == -EPERM) return go_blocking(cx);
      }
      return done(w);
    }
  }

  Prep prep_;
  Map map_;
  Form form_;
  op_traits traits_;
  mode mode_ = mode::fresh;
  detail::op_holder holder_;
};

template <class Prep, class Map>
op_future<Prep, Map> make_op(Prep prep, Map map, op_traits traits = {}) {
  return op_future<Prep, Map>(std::move(prep), std::move(map), traits);
}

/// An operation with an epoll form (see the header): `form` is readiness(...), blocking(...),
/// readiness_or_blocking(...) or a struct with the same members.
template <class Prep, class Map, class Form>
op_future<Prep, Map, Form> make_op(Prep prep, Map map, op_traits traits, Form form) {
  return op_future<Prep, Map, Form>(std::move(prep), std::move(map), traits, std::move(form));
}

} // namespace weft::io
