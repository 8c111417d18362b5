// weft/testing/fault_ring.hpp: fault_ring, a ring that wraps a real one and injects the faults a
// reactor must survive: failed io_uring_enter calls (EINTR, EAGAIN, EBUSY), short reads and
// writes, and operations that fail with EAGAIN, EINTR, ECANCELED or ENOBUFS. For tests.
//
// Faults are injected where they stay truthful: a short count is made by shrinking the SQE's
// length before the kernel sees it (the kernel really moves fewer bytes, so streams stay
// byte-exact), and an error is made by turning the SQE into a NOP and rewriting its CQE (the
// operation really did not happen, so a retry is correct). Internal SQEs of the driver
// (wakes, cancels) are never touched.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "weft/detail/atomic.hpp"
#include "weft/io/ring.hpp"

namespace weft::testing {

/// What to inject, as probabilities per submission / per SQE.
struct fault_plan {
  std::uint64_t seed = 1;
  double enter_error_rate = 0.0;  ///< submit fails with EINTR/EAGAIN/EBUSY, nothing entered
  double short_rate = 0.0;        ///< a read/write SQE's length is cut to 1..len-1
  double error_rate = 0.0;        ///< an SQE becomes a NOP completing with one of `errors`
  std::vector<int> errors = {EAGAIN, EINTR, ECANCELED, ENOBUFS};
};

/// Counters of what was injected (any thread may read them).
struct fault_stats {
  weft::detail::atomic<std::uint64_t> enters_failed{0};
  weft::detail::atomic<std::uint64_t> shortened{0};
  weft::detail::atomic<std::uint64_t> errors_injected{0};
};

class fault_ring final : public io::ring {
public:
  fault_ring(std::unique_ptr<io::ring> inner, fault_plan plan,
             std::shared_ptr<fault_stats> stats = std::make_shared<fault_stats>())
      : inner_(std::move(inner)), plan_(std::move(plan)), stats_(std::move(stats)),
        rng_(plan_.seed * 0x9e3779b97f4a7c15ull + 1) {}

  io_uring_sqe* get_sqe() noexcept override {
    io_uring_sqe* sqe = inner_->get_sqe();
    if (sqe != nullptr) fresh_.push_back(sqe);
    return sqe;
  }

  int submit(unsigned wait_nr, const __kernel_timespec* timeout) noexcept override {
    for (io_uring_sqe* sqe : fresh_) mutate(sqe);
    fresh_.clear();
    if (chance(plan_.enter_error_rate)) {
      static constexpr int errs[] = {EINTR, EAGAIN, EBUSY};
      stats_->enters_failed.fetch_add(1, weft::detail::memory_order_relaxed);  // relaxed: a statistic
      return -errs[next() % 3];
    }
    return inner_->submit(wait_nr, timeout);
  }

  unsigned reap(io::completion* out, unsigned max) noexcept override {
    const unsigned n = inner_->reap(out, max);
    if (rewrite_.empty()) return n;
    for (unsigned i = 0; i < n; ++i) {
      auto it = rewrite_.find(out[i].user_data);
      if (it == rewrite_.end()) continue;
      out[i].res = -it->second;
      rewrite_.erase(it);
    }
    return n;
  }

  [[nodiscard]] unsigned pending() const noexcept override { return inner_->pending(); }
  [[nodiscard]] int fd() const noexcept override { return inner_->fd(); }
  [[nodiscard]] const io::ring_features& features() const noexcept override {
    return inner_->features();
  }
  [[nodiscard]] const std::shared_ptr<fault_stats>& stats() const noexcept { return stats_; }

private:
  static bool is_data_op(std::uint8_t opcode) noexcept {
    switch (opcode) {
    case IORING_OP_NOP:
    case IORING_OP_READ:
    case IORING_OP_WRITE:
    case IORING_OP_READV:
    case IORING_OP_WRITEV:
    case IORING_OP_RECV:
    case IORING_OP_SEND:
    case IORING_OP_RECVMSG:
    case IORING_OP_SENDMSG:
    case IORING_OP_ACCEPT:
    case IORING_OP_CONNECT:
      return true;
    default:
      return false;
    }
  }
  static bool has_length(std::uint8_t opcode) noexcept {
    return opcode == IORING_OP_READ || opcode == IORING_OP_WRITE || opcode == IORING_OP_RECV ||
           opcode == IORING_OP_SEND;
  }

  void mutate(io_uring_sqe* sqe) noexcept {
    const std::uint64_t ud = sqe->user_data;
    if (ud == 0 || (ud & 7u) != 0 || !is_data_op(sqe->opcode)) return;  // internal SQE
    if (!plan_.errors.empty() && chance(plan_.error_rate)) {
      const int err = plan_.errors[next() % plan_.errors.size()];
      io_uring_prep_nop(sqe);
      sqe->user_data = ud;
      rewrite_[ud] = err;
      stats_->errors_injected.fetch_add(1, weft::detail::memory_order_relaxed);  // a statistic
      return;
    }
    if (has_length(sqe->opcode) && sqe->len > 1 && chance(plan_.short_rate)) {
      sqe->len = 1 + static_cast<unsigned>(next() % (sqe->len - 1));
      stats_->shortened.fetch_add(1, weft::detail::memory_order_relaxed);  // a statistic
    }
  }

  std::uint64_t next() noexcept {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
  }
  bool chance(double p) noexcept {
    if (p <= 0) return false;
    return static_cast<double>(next() >> 11) * 0x1.0p-53 < p;
  }

  std::unique_ptr<io::ring> inner_;
  fault_plan plan_;
  std::shared_ptr<fault_stats> stats_;
  std::uint64_t rng_;
  std::vector<io_uring_sqe*> fresh_;
  std::unordered_map<std::uint64_t, int> rewrite_;
};

/// An io::ring_maker that wraps the real io::ring in a fault_ring with `plan`.
/// Ring n (in creation order) uses seed `plan.seed + n`, so a run replays from its seed.
inline auto faulty_ring_maker(fault_plan plan, std::shared_ptr<fault_stats> stats) {
  auto counter = std::make_shared<weft::detail::atomic<std::uint64_t>>(0);
  return [plan, stats, counter](unsigned sq, unsigned cq) -> std::unique_ptr<io::ring> {
    fault_plan p = plan;
    // relaxed: only uniqueness matters.
    p.seed = plan.seed + counter->fetch_add(1, weft::detail::memory_order_relaxed);
    return std::make_unique<fault_ring>(std::make_unique<io::uring_ring>(sq, cq), p, stats);
  };
}

} // namespace weft::testing
