// weft/io/epoll_form.hpp: the epoll forms of an operation, the fourth argument of make_op
// (see op_future.hpp's header for the whole contract): how the op runs when the thread's
// driver is the epoll backend. readiness(): a non-blocking attempt retried when the fd is
// ready; blocking(): a call run on the blocking pool; readiness_or_blocking(): the first,
// falling back to the second where the fd cannot be polled (a regular file) or the attempt
// cannot be made non-blocking. no_epoll_form: the op has none (it fails with EOPNOTSUPP there).
#pragma once

#include <cstdint>
#include <utility>

namespace weft::io {

/// No epoll form: on the epoll backend the op completes with -EOPNOTSUPP.
struct no_epoll_form {};

/// A readiness form: `try_now()` makes the non-blocking system call once and returns its
/// result like a CQE's res (>= 0, or -errno); -EAGAIN means "wait until `fd` reports one of
/// `events` (EPOLLIN, EPOLLOUT, EPOLLPRI) and call me again". -EINTR is retried at once.
template <class TryNow> struct readiness_form {
  int fd;
  std::uint32_t events;
  TryNow try_now;
};

/// A blocking form: `run()` makes the (possibly blocking) system call on the blocking pool
/// and returns its result like a CQE's res.
template <class Run> struct blocking_form {
  Run run;
};

/// Both: the readiness form, and `run()` on the blocking pool when `fd` cannot be polled
/// (epoll_ctl fails: EPERM for regular files) or `try_now()` returns -EOPNOTSUPP.
template <class TryNow, class Run> struct readiness_or_blocking_form {
  int fd;
  std::uint32_t events;
  TryNow try_now;
  Run run;
};

template <class TryNow> readiness_form<TryNow> readiness(int fd, std::uint32_t events, TryNow t) {
  return {fd, events, std::move(t)};
}
template <class Run> blocking_form<Run> blocking(Run r) { return {std::move(r)}; }
template <class TryNow, class Run>
readiness_or_blocking_form<TryNow, Run> readiness_or_blocking(int fd, std::uint32_t events,
                                                              TryNow t, Run r) {
  return {fd, events, std::move(t), std::move(r)};
}

} // namespace weft::io
