// tests/support/io_ledger_ring.hpp: ledger_ring, a ring wrapper that keeps the books of every
// operation SQE the driver hands to the kernel and every CQE that comes back, so a test can
// check RELIABILITY.md's ledger oracle: each submitted op gets exactly one completion, and
// no completion arrives for an op that is not outstanding. It also tallies results per
// opcode (bytes read, -ECANCELED, ...), which tells a test what happened to an op that was
// dropped before anyone looked at its result.
// Not here: fault injection (weft/testing/fault_ring.hpp; a ledger_ring can wrap a fault_ring).
//
// Protocol: a ring is used by its owner thread only, but one ledger is shared by the rings
// of every worker and read by the test thread, so the ledger is mutex-guarded.
// Only SQEs whose user_data is an op pointer (non-zero, low 3 bits clear) are booked: the
// driver's internal SQEs (wakes, cancels, MSG_RING) carry tags. An SQE is booked when the
// driver first asks to submit it (a failed enter leaves it queued; it is not booked twice).
// Op pointers are recycled, so the book is a count (and a FIFO of opcodes) per pointer.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/io/ring.hpp"

namespace weft::test {

class io_ledger {
public:
  struct tally {
    long completions = 0;
    long positive = 0;   ///< res > 0
    long zero = 0;       ///< res == 0
    long canceled = 0;   ///< -ECANCELED
    long other_error = 0;
    long long bytes = 0;  ///< sum of positive results
  };

  void submitted(std::uint64_t ud, std::uint8_t opcode) {
    std::lock_guard lock(mu_);
    outstanding_[ud].push_back(opcode);
    ++submitted_;
  }
  void completed(std::uint64_t ud, std::int32_t res) {
    std::lock_guard lock(mu_);
    auto it = outstanding_.find(ud);
    if (it == outstanding_.end() || it->second.empty()) {
      ++orphans_;
      return;
    }
    const std::uint8_t opcode = it->second.front();
    it->second.pop_front();
    if (it->second.empty()) outstanding_.erase(it);
    ++completed_;
    tally& t = tallies_[opcode];
    ++t.completions;
    if (res > 0) {
      ++t.positive;
      t.bytes += res;
    } else if (res == 0) {
      ++t.zero;
    } else if (res == -ECANCELED) {
      ++t.canceled;
    } else {
      ++t.other_error;
    }
  }

  [[nodiscard]] long submitted_count() const {
    std::lock_guard lock(mu_);
    return submitted_;
  }
  [[nodiscard]] long completed_count() const {
    std::lock_guard lock(mu_);
    return completed_;
  }
  /// Completions that matched no outstanding submission (must stay 0).
  [[nodiscard]] long orphans() const {
    std::lock_guard lock(mu_);
    return orphans_;
  }
  /// Submissions still waiting for their completion.
  [[nodiscard]] long outstanding() const {
    std::lock_guard lock(mu_);
    long n = 0;
    for (const auto& [ud, q] : outstanding_) n += static_cast<long>(q.size());
    return n;
  }
  [[nodiscard]] tally of(std::uint8_t opcode) const {
    std::lock_guard lock(mu_);
    auto it = tallies_.find(opcode);
    return it == tallies_.end() ? tally{} : it->second;
  }
  [[nodiscard]] std::string summary() const {
    std::lock_guard lock(mu_);
    std::string s = "submitted " + std::to_string(submitted_) + ", completed " +
                    std::to_string(completed_) + ", orphans " + std::to_string(orphans_);
    for (const auto& [op, t] : tallies_) {
      s += "; op " + std::to_string(op) + ": n=" + std::to_string(t.completions) +
           " >0=" + std::to_string(t.positive) + " 0=" + std::to_string(t.zero) +
           " ECANCELED=" + std::to_string(t.canceled) + " err=" + std::to_string(t.other_error);
    }
    return s;
  }

private:
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, std::deque<std::uint8_t>> outstanding_;
  std::map<std::uint8_t, tally> tallies_;
  long submitted_ = 0;
  long completed_ = 0;
  long orphans_ = 0;
};

class ledger_ring final : public weft::io::ring {
public:
  ledger_ring(std::unique_ptr<weft::io::ring> inner, std::shared_ptr<io_ledger> ledger)
      : inner_(std::move(inner)), ledger_(std::move(ledger)) {}

  io_uring_sqe* get_sqe() noexcept override {
    io_uring_sqe* sqe = inner_->get_sqe();
    if (sqe != nullptr) fresh_.push_back(sqe);
    return sqe;
  }
  int submit(unsigned wait_nr, const __kernel_timespec* timeout) noexcept override {
    // Booked before the inner ring sees them: an inner fault_ring may still rewrite an SQE
    // into a NOP, whose CQE is then booked under the original opcode (what the op asked).
    for (io_uring_sqe* sqe : fresh_) {
      const std::uint64_t ud = sqe->user_data;
      if (ud != 0 && (ud & 7u) == 0) ledger_->submitted(ud, sqe->opcode);
    }
    fresh_.clear();
    return inner_->submit(wait_nr, timeout);
  }
  unsigned reap(weft::io::completion* out, unsigned max) noexcept override {
    const unsigned n = inner_->reap(out, max);
    for (unsigned i = 0; i < n; ++i) {
      const std::uint64_t ud = out[i].user_data;
      if (ud != 0 && (ud & 7u) == 0) ledger_->completed(ud, out[i].res);
    }
    return n;
  }
  [[nodiscard]] unsigned pending() const noexcept override { return inner_->pending(); }
  [[nodiscard]] int fd() const noexcept override { return inner_->fd(); }
  [[nodiscard]] const weft::io::ring_features& features() const noexcept override {
    return inner_->features();
  }

private:
  std::unique_ptr<weft::io::ring> inner_;
  std::shared_ptr<io_ledger> ledger_;
  std::vector<io_uring_sqe*> fresh_;
};

/// An io::ring_maker that books every ring's traffic in `ledger`.
inline auto ledger_ring_maker(std::shared_ptr<io_ledger> ledger) {
  return [ledger](unsigned sq, unsigned cq) -> std::unique_ptr<weft::io::ring> {
    return std::make_unique<ledger_ring>(std::make_unique<weft::io::uring_ring>(sq, cq), ledger);
  };
}

} // namespace weft::test
