// tests/fuzz/timer_wheel_fuzz.cpp: the timer wheel against a reference model (per-entry
// "linked" flags and deadlines: a sorted multiset in effect). The fuzzer picks inserts,
// removes, advances (small steps, level boundaries, huge jumps, straight to
// next_expiration()), clears, and what fire callbacks do (re-insert, remove, insert others).
// Oracles: never early (an entry fires at most at the advance target, with now() at its
// deadline, or at the starting now() for one already due), never late (after advance(t) no
// entry with deadline <= t is left, except those a callback inserted at or before now(),
// which wait for the next advance), exactly once (an entry fires only while linked), fire
// order by deadline, advance's count, size(), is_linked() and next_expiration()'s contract.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "fuzz_input.hpp"

// The header under test (one line: the lead's restructure may move it).
#include "weft/io/detail/timer_wheel.hpp"  // weft::time::detail::timer_wheel, timer_entry

namespace {

using weft::time::detail::timer_entry;
using weft::time::detail::timer_wheel;

constexpr std::size_t pool = 48;
constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > never - a ? never : a + b;
}

/// A distance in ticks, biased towards the wheel's interesting scales.
std::uint64_t pick_delta(weft::fuzz::input& in) {
  switch (in.below(8)) {
  case 0: return 0;
  case 1: return in.below(64);                              // level 0
  case 2: return in.below(4096);                            // level 1
  case 3: return in.u32() % (std::uint64_t{1} << 24);       // levels 2-3
  case 4: return in.u64() % (std::uint64_t{1} << 36);       // within a top rotation
  case 5: return in.u64() % (std::uint64_t{1} << 44);       // beyond range
  case 6: {                                                 // around a level boundary
    const std::uint64_t b = std::uint64_t{1} << (6 * (1 + in.below(6)));
    return b - 1 + in.below(3);
  }
  default: return in.u64();
  }
}

class harness {
public:
  explicit harness(std::uint64_t start) : wheel_(start) {}

  void run(weft::fuzz::input& in) {
    while (!in.empty()) {
      switch (in.below(8)) {
      case 0:
      case 1: insert(in.below(pool), deadline(in)); break;
      case 2: remove(in.below(pool)); break;
      case 3:
      case 4: advance(saturating_add(wheel_.now(), pick_delta(in)), in); break;
      case 5:
        if (const auto ne = wheel_.next_expiration()) advance(*ne, in);
        break;
      case 6:
        if (in.below(8) == 0) clear();
        break;
      default: advance(wheel_.now(), in); break;  // fires what is already due
      }
      check_quiet();
    }
  }

private:
  std::uint64_t deadline(weft::fuzz::input& in) {
    const std::uint64_t now = wheel_.now();
    switch (in.below(16)) {
    case 0: return never;
    case 1:
    case 2: {  // already due
      const std::uint64_t back = pick_delta(in);
      return back > now ? 0 : now - back;
    }
    default: return saturating_add(now, pick_delta(in));
    }
  }

  void insert(std::size_t id, std::uint64_t d) {
    if (linked_[id]) return;
    entries_[id].deadline = d;
    wheel_.insert(&entries_[id]);
    linked_[id] = true;
    due_at_start_[id] = false;
    ++size_;
    // Inside a callback, an entry due now waits for the next advance (invariant 5).
    deferred_[id] = advancing_ && d <= wheel_.now();
  }

  void remove(std::size_t id) {
    FUZZ_CHECK(entries_[id].is_linked() == linked_[id]);
    if (!linked_[id]) return;
    wheel_.remove(&entries_[id]);
    FUZZ_CHECK(!entries_[id].is_linked());
    linked_[id] = false;
    deferred_[id] = false;
    due_at_start_[id] = false;
    --size_;
  }

  void clear() {
    wheel_.clear();
    for (std::size_t id = 0; id < pool; ++id) {
      FUZZ_CHECK(!entries_[id].is_linked());
      linked_[id] = false;
    }
    size_ = 0;
  }

  void advance(std::uint64_t requested, weft::fuzz::input& in) {
    const std::uint64_t start = wheel_.now();
    const std::uint64_t target = std::clamp(requested, start, timer_wheel::max_now);
    for (std::size_t id = 0; id < pool; ++id) {
      due_at_start_[id] = linked_[id] && entries_[id].deadline <= start;
    }
    std::size_t fired = 0;
    std::uint64_t last_deadline = 0;
    unsigned budget = 8;  // callback actions per advance
    advancing_ = true;
    const std::size_t returned = wheel_.advance(requested, [&](timer_entry* e) {
      const auto id = static_cast<std::size_t>(e - entries_.data());
      FUZZ_CHECK(id < pool);
      FUZZ_CHECK(linked_[id]);      // exactly once: only a linked entry fires
      FUZZ_CHECK(!deferred_[id]);   // inserted at or before now() by a callback: next time
      FUZZ_CHECK(!e->is_linked());  // unlinked before its call
      FUZZ_CHECK(e->deadline <= target);  // never early
      if (due_at_start_[id]) {
        FUZZ_CHECK(wheel_.now() == start);
      } else {
        FUZZ_CHECK(wheel_.now() == e->deadline);
        FUZZ_CHECK(e->deadline >= last_deadline);  // in deadline order
        last_deadline = e->deadline;
      }
      due_at_start_[id] = false;
      linked_[id] = false;
      --size_;
      ++fired;
      FUZZ_CHECK(wheel_.size() == size_);
      while (budget > 0 && in.below(4) == 0) {
        --budget;
        switch (in.below(3)) {
        case 0: insert(id, deadline(in)); break;  // re-arm the fired entry
        case 1: remove(in.below(pool)); break;
        default: insert(in.below(pool), deadline(in)); break;
        }
      }
    });
    advancing_ = false;
    FUZZ_CHECK(returned == fired);
    FUZZ_CHECK(wheel_.now() == target);
    for (std::size_t id = 0; id < pool; ++id) {
      if (!linked_[id]) continue;
      // Never late: whatever is left is later than the target, or was deferred.
      FUZZ_CHECK(entries_[id].deadline > target || deferred_[id]);
      deferred_[id] = false;
    }
  }

  // The wheel agrees with the model between operations.
  void check_quiet() const {
    FUZZ_CHECK(wheel_.size() == size_);
    FUZZ_CHECK(wheel_.empty() == (size_ == 0));
    std::uint64_t min_d = never;
    for (std::size_t id = 0; id < pool; ++id) {
      FUZZ_CHECK(entries_[id].is_linked() == linked_[id]);
      if (linked_[id]) min_d = std::min(min_d, entries_[id].deadline);
    }
    const std::optional<std::uint64_t> ne = wheel_.next_expiration();
    const std::uint64_t now = wheel_.now();
    if (size_ == 0) {
      FUZZ_CHECK(!ne.has_value());
      return;
    }
    FUZZ_CHECK(ne.has_value());
    if (min_d <= now) {
      FUZZ_CHECK(*ne == now);
      return;
    }
    FUZZ_CHECK(*ne > now && *ne <= min_d);
    if ((min_d >> 6) == (now >> 6)) FUZZ_CHECK(*ne == min_d);
  }

  // Declared before the wheel: the wheel (destroyed first) unlinks them.
  std::array<timer_entry, pool> entries_{};
  timer_wheel wheel_;
  std::array<bool, pool> linked_{};
  std::array<bool, pool> deferred_{};
  std::array<bool, pool> due_at_start_{};
  std::size_t size_ = 0;
  bool advancing_ = false;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weft::fuzz::input in(data, size);
  // Start anywhere, also near the end of time.
  std::uint64_t start = 0;
  switch (in.below(4)) {
  case 0: break;
  case 1: start = in.u32(); break;
  case 2: start = in.u64(); break;
  default: start = timer_wheel::max_now - in.u32(); break;
  }
  harness h(start);
  h.run(in);
  return 0;
}
