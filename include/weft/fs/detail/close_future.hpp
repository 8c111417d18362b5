// weft/fs/detail/close_future.hpp: close_future, an IORING_OP_CLOSE that dropping does not
// cancel: a cancelled close leaves it unknown whether the descriptor was closed (and its
// number may already be reused), so once started the close always runs to its CQE, and a
// dropped future just stops waiting for it. Also fd_closer, a move-only job that closes a
// descriptor on the blocking pool, or in its destructor when the pool never ran it.
//
// Protocol: the op_state protocol of weft/io/op_state.hpp, with one difference on drop: the
// holder marks itself gone under the lock and releases its reference without asking for a
// cancel; the owner's completion then sees holder_gone and releases the kernel's reference.
// The op borrows no memory (the SQE holds only the descriptor number).
#pragma once

#include <cerrno>
#include <cstdint>
#include <utility>

#include <unistd.h>

#include "weft/core/context.hpp"
#include "weft/core/coop.hpp"
#include "weft/core/poll.hpp"
#include "weft/core/result.hpp"
#include "weft/io/op_state.hpp"
#include "weft/io/uring_driver.hpp"

namespace weft::fs::detail {

class close_future {
public:
  explicit close_future(int fd) noexcept : fd_(fd) {}
  close_future(close_future&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), op_(std::exchange(o.op_, nullptr)) {}
  close_future& operator=(close_future&&) = delete;
  ~close_future() { drop(); }

  ::weft::poll<result<void>> poll(context& cx) {
    using io::detail::op_state;
    if (op_ == nullptr) {
      if (fd_ < 0) return ::weft::poll<result<void>>(std::in_place, make_error(EBADF));
      if (!coop::poll_proceed(cx)) return pending;
      io::uring_driver* d = io::uring_driver::current();
      if (d == nullptr) { // not on a runtime thread: close synchronously
        const int r = ::close(std::exchange(fd_, -1));
        return ::weft::poll<result<void>>(std::in_place,
                                          r == 0 ? result<void>{} : make_error(errno));
      }
      op_ = new op_state();
      op_->retryable = false; // a close is never repeated
      const int fd = std::exchange(fd_, -1);
      d->start(
          op_, [fd](io_uring_sqe* sqe) { io_uring_prep_close(sqe, fd); }, cx.waker());
      return pending;
    }
    op_->lock.lock();
    if (op_->phase == op_state::phase_t::completed) {
      const std::int32_t res = op_->res;
      op_->lock.unlock();
      std::exchange(op_, nullptr)->release();
      return ::weft::poll<result<void>>(std::in_place,
                                        res < 0 ? result<void>(make_error(-res)) : result<void>{});
    }
    op_->waker_.clone_from(cx.waker());
    op_->lock.unlock();
    return pending;
  }

private:
  void drop() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1)); // never started: close it here
    io::detail::op_state* op = std::exchange(op_, nullptr);
    if (op == nullptr) return;
    waker w(nullptr, nullptr);
    op->lock.lock();
    op->holder_gone = true;
    w.swap(op->waker_);
    op->lock.unlock();
    w = waker(nullptr, nullptr); // dropped outside the lock
    op->release();               // no cancel: the close completes on its own (see the file comment)
  }

  int fd_;
  io::detail::op_state* op_ = nullptr;
};

/// Closes its descriptor exactly once: when invoked (on a blocking thread), or when
/// destroyed without having been invoked.
class fd_closer {
public:
  explicit fd_closer(int fd) noexcept : fd_(fd) {}
  fd_closer(fd_closer&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  fd_closer& operator=(fd_closer&&) = delete;
  ~fd_closer() {
    if (fd_ >= 0) ::close(fd_);
  }
  void operator()() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

private:
  int fd_;
};

} // namespace weft::fs::detail
