// tests/fuzz/fault_ring_fuzz.cpp: sequences of operations, polls, cancellations (drops) and
// closes on a current-thread runtime whose ring is a ledger_ring over a fault_ring over the
// real io_uring. The fuzzer chooses the ring sizes (SQ 1-8), the fault plan (its seed, so the
// sequence of failed enters, short counts and rewritten completions, and the rates), and
// the sequence of actions on 8 operation slots over 2 pipes.
// Oracles: every submitted SQE gets exactly one CQE and no CQE is an orphan (ledger); fds
// return to their baseline; an operation polled to completion succeeds (injected EAGAIN,
// EINTR, ECANCELED and ENOBUFS are retried by the driver, never reported), a read returns
// only bytes that were written to its pipe, and end of file only after the pipe's write end
// closed; a dropped operation (cancelled) leaves nothing behind (ASan, ledger).
// Written against today's io API (ops.hpp, fault_ring.hpp); small on purpose.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <fcntl.h>
#include <unistd.h>

#include "fuzz_input.hpp"
#include "support/io_ledger_ring.hpp"
#include "support/io_support.hpp"
#include "weft/testing/fault_ring.hpp"
#include "weft/weft.hpp"

namespace {

constexpr std::size_t slots = 8;
constexpr std::size_t pipes = 2;
constexpr std::byte pattern[pipes] = {std::byte{0xa5}, std::byte{0x5a}};

/// What the scenario knows about its pipes.
struct pipe_book {
  std::array<int, 2> fds{-1, -1};  // read end, write end
  bool write_closed = false;
  int writes_live = 0;             // write slots holding this pipe's write end
  std::size_t offered = 0;         // bytes of every write started on it
  std::size_t read = 0;            // bytes every completed read returned
};

class slot {
public:
  slot() = default;
  slot(const slot&) = delete;
  slot& operator=(const slot&) = delete;
  virtual ~slot() = default;
  /// Polls once; true when the operation finished (its result was checked).
  virtual bool poll(weft::context& cx) = 0;
};

class nop_slot final : public slot {
public:
  bool poll(weft::context& cx) override {
    auto p = f_.poll(cx);
    if (p.is_pending()) return false;
    FUZZ_CHECK(p.take().has_value());  // injected errors are retried, never reported
    return true;
  }

private:
  decltype(weft::io::nop()) f_ = weft::io::nop();
};

class timeout_slot final : public slot {
public:
  explicit timeout_slot(std::chrono::nanoseconds d) : f_(weft::io::kernel_timeout(d)) {}
  bool poll(weft::context& cx) override {
    auto p = f_.poll(cx);
    if (p.is_pending()) return false;
    FUZZ_CHECK(p.take().has_value());
    return true;
  }

private:
  decltype(weft::io::kernel_timeout(std::chrono::nanoseconds(0))) f_;
};

class read_slot final : public slot {
public:
  read_slot(pipe_book& p, std::size_t index, std::size_t len)
      : book_(p), index_(index), f_(weft::io::read(p.fds[0], std::span(buf_).first(len))) {}
  bool poll(weft::context& cx) override {
    auto p = f_.poll(cx);
    if (p.is_pending()) return false;
    auto r = p.take();
    FUZZ_CHECK(r.has_value());
    const std::size_t n = *r;
    if (n == 0) FUZZ_CHECK(book_.write_closed);  // end of file only after the close
    for (std::size_t i = 0; i < n; ++i) FUZZ_CHECK(buf_[i] == pattern[index_]);
    book_.read += n;
    FUZZ_CHECK(book_.read <= book_.offered);
    return true;
  }

private:
  pipe_book& book_;
  std::size_t index_;
  std::array<std::byte, 64> buf_{};
  decltype(weft::io::read(0, std::span<std::byte>())) f_;
};

class write_slot final : public slot {
public:
  write_slot(pipe_book& p, std::size_t index, std::size_t len)
      : book_(p), len_(len), f_(weft::io::write(p.fds[1], fill(index, len))) {
    ++book_.writes_live;
    book_.offered += len;
  }
  ~write_slot() override { --book_.writes_live; }  // the op is done (or cancelled) by now
  bool poll(weft::context& cx) override {
    auto p = f_.poll(cx);
    if (p.is_pending()) return false;
    auto r = p.take();
    FUZZ_CHECK(r.has_value());
    FUZZ_CHECK(*r >= 1 && *r <= len_);
    return true;
  }

private:
  std::span<const std::byte> fill(std::size_t index, std::size_t len) {
    buf_.fill(pattern[index]);
    return std::span<const std::byte>(buf_).first(len);
  }

  pipe_book& book_;
  std::size_t len_;
  std::array<std::byte, 64> buf_{};
  decltype(weft::io::write(0, std::span<const std::byte>())) f_;
};

/// The root future: runs the fuzzer's actions; yields so the driver can reap; at the end
/// drops (cancels) what is left and closes the pipes.
class scenario {
public:
  explicit scenario(weft::fuzz::input& in) : in_(&in) {
    for (pipe_book& p : pipes_) FUZZ_CHECK(::pipe2(p.fds.data(), O_CLOEXEC) == 0);
  }
  // Moved once, into block_on, before any slot exists (slots point into pipes_).
  scenario(scenario&& o) noexcept : in_(o.in_), pipes_(o.pipes_) {
    for (const auto& s : o.slots_) FUZZ_CHECK(s == nullptr);
    for (pipe_book& p : o.pipes_) {
      p.fds = {-1, -1};
      p.write_closed = true;
    }
  }
  scenario& operator=(scenario&&) = delete;
  scenario(const scenario&) = delete;
  scenario& operator=(const scenario&) = delete;
  ~scenario() { finish(); }

  weft::poll<void> poll(weft::context& cx) {
    weft::fuzz::input& in = *in_;
    while (!in.empty()) {
      const std::size_t k = in.below(slots);
      pipe_book& p = pipes_[k % pipes];
      switch (in.below(10)) {
      case 0: start(k, [] { return std::make_unique<nop_slot>(); }, cx); break;
      case 1: {
        const auto d = std::chrono::microseconds(in.below(4) * in.below(300));
        start(k, [d] { return std::make_unique<timeout_slot>(d); }, cx);
        break;
      }
      case 2: {
        const std::size_t len = 1 + in.below(64);
        start(k, [&p, k, len] { return std::make_unique<read_slot>(p, k % pipes, len); }, cx);
        break;
      }
      case 3: {
        if (p.write_closed) break;
        const std::size_t len = 1 + in.below(64);
        start(k, [&p, k, len] { return std::make_unique<write_slot>(p, k % pipes, len); }, cx);
        break;
      }
      case 4:
      case 5: poll_slot(k, cx); break;
      case 6:
        for (std::size_t i = 0; i < slots; ++i) poll_slot(i, cx);
        break;
      case 7: slots_[k].reset(); break;  // cancel: whatever state the op is in
      case 8:
        if (!p.write_closed && p.writes_live == 0) {
          ::close(p.fds[1]);
          p.write_closed = true;
        }
        break;
      default:
        cx.waker().wake_by_ref();  // yield: the driver reaps, then we are polled again
        return weft::pending;
      }
    }
    finish();
    return weft::ready();
  }

private:
  template <class Make> void start(std::size_t k, Make make, weft::context& cx) {
    if (slots_[k]) return;
    slots_[k] = make();
    poll_slot(k, cx);  // the first poll prepares the SQE
  }
  void poll_slot(std::size_t k, weft::context& cx) {
    if (slots_[k] && slots_[k]->poll(cx)) slots_[k].reset();
  }
  void finish() {
    for (auto& s : slots_) s.reset();
    for (pipe_book& p : pipes_) {
      if (p.fds[0] >= 0) ::close(p.fds[0]);
      if (p.fds[1] >= 0 && !p.write_closed) ::close(p.fds[1]);
      p.fds = {-1, -1};
      p.write_closed = true;
    }
  }

  weft::fuzz::input* in_;
  std::array<pipe_book, pipes> pipes_{};
  std::array<std::unique_ptr<slot>, slots> slots_{};
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weft::fuzz::input in(data, size);
  const std::size_t fds_before = weft::test::fd_count();
  auto ledger = std::make_shared<weft::test::io_ledger>();
  {
    weft::testing::fault_plan plan;
    plan.seed = in.u32();
    // At most 1/2: a retried op then fails 1024 times in a row with probability 2^-1024.
    plan.enter_error_rate = in.below(129) / 256.0;
    plan.short_rate = in.below(129) / 256.0;
    plan.error_rate = in.below(129) / 256.0;
    const unsigned sq_entries = 1u << in.below(4);
    weft::io::ring_maker make_ring = [plan, ledger](unsigned sq, unsigned cq)
        -> std::unique_ptr<weft::io::ring> {
      return std::make_unique<weft::test::ledger_ring>(
          std::make_unique<weft::testing::fault_ring>(std::make_unique<weft::io::uring_ring>(sq, cq),
                                                 plan),
          ledger);
    };
    auto rt = weft::runtime::builder()
                  .current_thread()
                  .ring_entries(sq_entries, sq_entries * 2)
                  .driver(weft::io::uring_driver_factory(make_ring))
                  .build();
    rt.block_on(scenario(in));
  }
  FUZZ_CHECK(ledger->orphans() == 0);
  FUZZ_CHECK(ledger->outstanding() == 0);
  FUZZ_CHECK(ledger->completed_count() == ledger->submitted_count());
  FUZZ_CHECK(weft::test::fd_count() == fds_before);
  return 0;
}
