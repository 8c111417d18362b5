// weft/net/detail/accept_future.hpp: accept_future, the cancel-safe accept of every listener:
// an optional back-off pause after descriptor exhaustion (accept_backoff.hpp), then a
// non-blocking accept4 (close-on-exec) retried on readiness of the listening socket.
// Dropping it at any point leaves pending connections in the kernel's backlog.
#pragma once

#include <chrono>
#include <optional>
#include <utility>

#include <sys/socket.h>

#include "weft/core/poll.hpp"
#include "weft/core/result.hpp"
#include "weft/net/detail/accept_backoff.hpp"
#include "weft/net/detail/owned_fd.hpp"
#include "weft/net/detail/readiness.hpp"
#include "weft/time/sleep.hpp"

namespace weft::net::detail {

/// `Convert(owned_fd, const sockaddr_storage&, socklen_t)` -> the output (a result<...>).
template <class Convert> struct accept_attempt {
  int fd;
  accept_backoff* backoff;
  Convert convert;
  using out_t = std::invoke_result_t<Convert&, owned_fd, const sockaddr_storage&, socklen_t>;

  std::optional<out_t> operator()() {
    for (;;) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      const int s = ::accept4(fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
      if (s >= 0) {
        if (backoff != nullptr) backoff->on_success();
        return convert(owned_fd(s), ss, len);
      }
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return std::nullopt;
      if (err == EINTR || err == ECONNABORTED) continue;  // that connection is gone; next
      if (backoff != nullptr && accept_backoff::is_exhaustion(err)) backoff->on_exhaustion();
      return out_t(make_error(err));
    }
  }
};

template <class Convert> class accept_future {
  using attempt = accept_attempt<Convert>;

public:
  using output = typename attempt::out_t;

  accept_future(int fd, accept_backoff* b, Convert c)
      : backoff_(b), ready_(fd, POLLIN, attempt{fd, b, std::move(c)}) {}
  accept_future(accept_future&&) noexcept = default;
  accept_future& operator=(accept_future&&) = delete;

  ::weft::poll<output> poll(context& cx) {
    if (!started_) {
      started_ = true;
      if (const int d = backoff_ != nullptr ? backoff_->delay_ms() : 0; d > 0)
        pause_.emplace(time::sleep(std::chrono::milliseconds(d)));
    }
    if (pause_) {
      if (pause_->poll(cx).is_pending()) return pending;
      pause_.reset();
    }
    return ready_.poll(cx);
  }

private:
  accept_backoff* backoff_;
  bool started_ = false;
  std::optional<time::sleep_future> pause_;
  readiness_future<attempt> ready_;
};

} // namespace weft::net::detail
