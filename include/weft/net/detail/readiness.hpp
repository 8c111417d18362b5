// weft/net/detail/readiness.hpp: readiness_future, the shape of every cancel-safe socket
// operation: try the non-blocking system call; when it would block, wait for readiness with
// an io_uring poll (io::poll_ready) and try again. Nothing is consumed until the system call
// succeeds, so dropping the future at any point loses no data, and an epoll backend needs
// only a poll_ready of its own for these to run on it.
#pragma once

#include <cerrno>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/core/coop.hpp"
#include "weft/core/poll.hpp"
#include "weft/core/result.hpp"
#include "weft/io/socket_ops.hpp"

namespace weft::net::detail {

/// `Try()` returns std::optional<R>: the outcome, or nullopt when the call would block.
/// Polls run the attempt, then wait for `events` on `fd` and attempt again.
template <class Try> class readiness_future {
public:
  using output = typename std::invoke_result_t<Try&>::value_type;

  readiness_future(int fd, unsigned events, Try t) : fd_(fd), events_(events), try_(std::move(t)) {}
  readiness_future(readiness_future&&) noexcept = default;
  readiness_future& operator=(readiness_future&&) = delete;

  ::weft::poll<output> poll(context& cx) {
    for (;;) {
      if (wait_) {
        auto p = wait_->poll(cx);
        if (p.is_pending()) return pending;
        wait_.reset();
        if (!*p) return ::weft::poll<output>(std::in_place, output((*p).error()));
      } else if (!coop::poll_proceed(cx)) {
        return pending;
      }
      if (auto r = try_()) return ::weft::poll<output>(std::in_place, std::move(*r));
      wait_.emplace(io::poll_ready(fd_, events_));
    }
  }

private:
  using wait_op = decltype(io::poll_ready(0, 0));
  int fd_;
  unsigned events_;
  Try try_;
  std::optional<wait_op> wait_;
};

template <class Try> readiness_future<Try> make_readiness(int fd, unsigned events, Try t) {
  return readiness_future<Try>(fd, events, std::move(t));
}

/// A future whose output is `fn(output of f)`.
template <class F, class Fn> class mapped_future {
public:
  using output = std::invoke_result_t<Fn&, typename F::output>;
  mapped_future(F f, Fn fn) : f_(std::move(f)), fn_(std::move(fn)) {}
  ::weft::poll<output> poll(context& cx) {
    auto p = f_.poll(cx);
    if (p.is_pending()) return pending;
    return ::weft::poll<output>(std::in_place, fn_(std::move(*p)));
  }

private:
  F f_;
  Fn fn_;
};

template <class F, class Fn> mapped_future<F, Fn> map_future(F f, Fn fn) {
  return mapped_future<F, Fn>(std::move(f), std::move(fn));
}

/// Maps a system call's return value: >= 0 is the count, EAGAIN is "would block".
inline std::optional<result<std::size_t>> count_or_block(long n) {
  if (n >= 0) return result<std::size_t>(static_cast<std::size_t>(n));
  if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
  if (errno == EINTR) return std::nullopt;  // poll again: the socket stays ready
  return result<std::size_t>(make_error(errno));
}

} // namespace weft::net::detail
