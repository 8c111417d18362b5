// weft/io/ring.hpp: the one small interface through which weft talks to io_uring, and its
// real implementation. Everything the kernel touches goes through `ring`, so tests can swap
// in a fault-injecting ring (fault_ring.hpp). Not here: op bookkeeping (op.hpp), the
// driver loop (driver.hpp).
//
// Kernel features are probed, never guessed from version numbers:
// - setup flags are tried best-first and dropped one at a time on EINVAL:
//   SUBMIT_ALL (5.18), COOP_TASKRUN (5.19), SINGLE_ISSUER (6.0), DEFER_TASKRUN (6.1);
// - opcodes (MSG_RING, 5.18) are checked with io_uring_get_probe.
// Setup failures other than EINVAL are explained (ENOSYS, EPERM with the
// kernel.io_uring_disabled sysctl or seccomp, ENOMEM/memlock) in a std::system_error.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>

#include <liburing.h>

#include "weft/config.hpp"

namespace weft::io {

/// One completion, copied out of the CQ ring.
struct completion {
  std::uint64_t user_data;
  std::int32_t res;
  std::uint32_t flags;
};

/// What the ring was set up with and what the kernel offers.
struct ring_features {
  unsigned setup_flags = 0;
  unsigned sq_entries = 0;
  unsigned cq_entries = 0;
  bool msg_ring = false;
  bool defer_taskrun = false;
  bool nodrop = false;
};

/// The kernel boundary. Owner thread only (rings are single-issuer), except `fd()`.
class ring {
public:
  ring() = default;
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;
  virtual ~ring() = default;

  /// A free SQE, or null when the submission queue is full.
  virtual io_uring_sqe* get_sqe() noexcept = 0;
  /// Hands queued SQEs to the kernel and, with `wait_nr` > 0, waits for that many
  /// completions or `timeout` (null: no limit). Returns the number submitted or -errno
  /// (-ETIME on timeout, -EINTR/-EAGAIN/-EBUSY when it should be retried).
  virtual int submit(unsigned wait_nr, const __kernel_timespec* timeout) noexcept = 0;
  /// Copies up to `max` completions into `out` and consumes them; returns how many.
  virtual unsigned reap(completion* out, unsigned max) noexcept = 0;
  /// SQEs prepared and not yet handed to the kernel.
  [[nodiscard]] virtual unsigned pending() const noexcept = 0;
  [[nodiscard]] virtual int fd() const noexcept = 0;
  [[nodiscard]] virtual const ring_features& features() const noexcept = 0;
};

namespace detail {

inline std::string read_sysctl(const char* path) {
  std::string out;
  if (std::FILE* f = std::fopen(path, "re")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof buf, f) != nullptr) out = buf;
    std::fclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// The error for a failed io_uring_setup, naming the cause and the fix.
inline std::system_error explain_setup_failure(int err) {
  std::string msg = "weft: cannot create an io_uring: ";
  switch (err) {
  case ENOSYS:
    msg += "the kernel has no io_uring support (ENOSYS); weft needs Linux >= 5.19 built with "
           "CONFIG_IO_URING";
    break;
  case EPERM:
  case EACCES: {
    const std::string disabled = read_sysctl("/proc/sys/kernel/io_uring_disabled");
    if (disabled == "2") {
      msg += "io_uring is disabled by sysctl kernel.io_uring_disabled=2; set it to 0 "
             "(sysctl -w kernel.io_uring_disabled=0)";
    } else if (disabled == "1") {
      msg += "io_uring is restricted by sysctl kernel.io_uring_disabled=1 to root and the group "
             "in kernel.io_uring_group; run as a member of that group or set it to 0";
    } else {
      msg += "permission denied (" + std::string(err == EPERM ? "EPERM" : "EACCES") +
             "), most likely by a seccomp filter (container runtimes block io_uring by default); "
             "allow io_uring_setup, io_uring_enter and io_uring_register";
    }
    break;
  }
  case ENOMEM:
    msg += "out of memory for the rings (ENOMEM); on kernels before 5.12 raise RLIMIT_MEMLOCK "
           "(ulimit -l), or use smaller ring sizes";
    break;
  case EMFILE:
  case ENFILE:
    msg += "too many open files";
    break;
  default:
    msg += std::strerror(err);
    break;
  }
  return std::system_error(std::error_code(err, std::system_category()), msg);
}

} // namespace detail

/// The real ring: a liburing io_uring, set up with the best flags the kernel accepts.
class uring_ring final : public ring {
public:
  /// Errors: std::system_error explaining why io_uring is unavailable.
  explicit uring_ring(unsigned sq_entries, unsigned cq_entries = 0) {
    static constexpr unsigned candidates[] = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
            IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_SUBMIT_ALL,
        0,
    };
    if (sq_entries == 0) sq_entries = 1;
    int ret = -EINVAL;
    io_uring_params p{};
    for (unsigned flags : candidates) {
      p = io_uring_params{};
      p.flags = flags;
      if (cq_entries != 0) {
        p.flags |= IORING_SETUP_CQSIZE;
        p.cq_entries = cq_entries < sq_entries ? sq_entries : cq_entries;
      }
      ret = io_uring_queue_init_params(sq_entries, &ring_, &p);
      if (ret != -EINVAL) break;
    }
    if (ret < 0) throw detail::explain_setup_failure(-ret);
    // Forked children must not share the rings' memory (the kernel side stays ours).
    io_uring_ring_dontfork(&ring_);
    feat_.setup_flags = p.flags;
    feat_.sq_entries = p.sq_entries;
    feat_.cq_entries = p.cq_entries;
    feat_.defer_taskrun = (p.flags & IORING_SETUP_DEFER_TASKRUN) != 0;
    feat_.nodrop = (p.features & IORING_FEAT_NODROP) != 0;
    if (io_uring_probe* probe = io_uring_get_probe_ring(&ring_)) {
      feat_.msg_ring = io_uring_opcode_supported(probe, IORING_OP_MSG_RING) != 0;
      io_uring_free_probe(probe);
    }
  }
  ~uring_ring() override { io_uring_queue_exit(&ring_); }

  io_uring_sqe* get_sqe() noexcept override { return io_uring_get_sqe(&ring_); }

  int submit(unsigned wait_nr, const __kernel_timespec* timeout) noexcept override {
    if (wait_nr == 0) {
      // With DEFER_TASKRUN, completions are only posted when we ask for events.
      return feat_.defer_taskrun ? io_uring_submit_and_get_events(&ring_) : io_uring_submit(&ring_);
    }
    io_uring_cqe* cqe = nullptr;
    // Safety: liburing takes a non-const timespec but does not modify it.
    return io_uring_submit_and_wait_timeout(&ring_, &cqe, wait_nr,
                                            const_cast<__kernel_timespec*>(timeout), nullptr);
  }

  unsigned reap(completion* out, unsigned max) noexcept override {
    unsigned head = 0;
    unsigned n = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      if (n == max) break;
      out[n++] = completion{cqe->user_data, cqe->res, cqe->flags};
    }
    io_uring_cq_advance(&ring_, n);
    if (n < max && io_uring_cq_has_overflow(&ring_)) {
      // Completions wait in the kernel's overflow list: flush them into the CQ ring.
      io_uring_get_events(&ring_);
    }
    return n;
  }

  [[nodiscard]] unsigned pending() const noexcept override { return io_uring_sq_ready(&ring_); }
  [[nodiscard]] int fd() const noexcept override { return ring_.ring_fd; }
  [[nodiscard]] const ring_features& features() const noexcept override { return feat_; }

private:
  io_uring ring_{};
  ring_features feat_;
};

} // namespace weft::io
