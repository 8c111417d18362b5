// tests/time/timer_wheel_test.cpp: weft::time::detail::timer_wheel on its own, with a
// virtual clock: never early, never late, exactly once, callbacks that change the wheel,
// far-future and huge jumps, next_expiration against a reference minimum.
// Not here: the time driver, real clocks, sleep futures.
#include "weft/io/detail/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace {

using weft::time::detail::timer_entry;
using weft::time::detail::timer_wheel;

// Under TSan (5-15x slower) the big randomized tests run at a smaller scale; ASan and
// UBSan builds run them in full.
#if defined(WEFT_TSAN)
constexpr bool reduced_scale = true;
#else
constexpr bool reduced_scale = false;
#endif

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

// splitmix64: fast even at -O0, and a seed replays the whole run.
class rng {
public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t operator()() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform-ish in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) { return (*this)() % n; }
  /// Log-uniform magnitude: a value in [0, 2^bits) for bits uniform in [0, max_bits].
  std::uint64_t magnitude(unsigned max_bits) {
    const auto bits = static_cast<unsigned>(below(max_bits + 1));
    return bits == 0 ? 0 : (*this)() >> (64 - bits);
  }

private:
  std::uint64_t state_;
};

// A fresh seed per run, or WEFT_TEST_SEED=<n> to replay one (failures print it).
std::uint64_t test_seed() {
  if (const char* replay = std::getenv("WEFT_TEST_SEED")) return std::strtoull(replay, nullptr, 0);
  const auto t = static_cast<std::uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  return t ^ (t >> 17);
}

void record_seed(std::uint64_t seed) {
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
}

// Fires into a list; checks that each entry arrives unlinked.
struct recorder {
  std::vector<timer_entry*> fired;
  void operator()(timer_entry* e) {
    EXPECT_FALSE(e->is_linked());
    fired.push_back(e);
  }
};

TEST(TimerWheelTest, EmptyWheelHasNoExpirationAndStillMovesTime) {
  timer_wheel wheel;
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.size(), 0U);
  EXPECT_EQ(wheel.now(), 0U);
  EXPECT_EQ(wheel.next_expiration(), std::nullopt);
  recorder rec;
  EXPECT_EQ(wheel.advance(1'000'000'000, rec), 0U);
  EXPECT_EQ(wheel.now(), 1'000'000'000U);
  EXPECT_EQ(wheel.advance(5, rec), 0U);  // smaller values are ignored
  EXPECT_EQ(wheel.now(), 1'000'000'000U);
  EXPECT_EQ(wheel.next_expiration(), std::nullopt);
  EXPECT_TRUE(rec.fired.empty());
}

TEST(TimerWheelTest, StartsAtTheGivenTime) {
  timer_entry e;
  timer_wheel wheel(12'345);
  EXPECT_EQ(wheel.now(), 12'345U);
  e.deadline = 12'350;
  wheel.insert(&e);
  EXPECT_EQ(wheel.next_expiration(), 12'350U);  // same 64-tick block: exact
  recorder rec;
  EXPECT_EQ(wheel.advance(12'349, rec), 0U);
  EXPECT_EQ(wheel.advance(12'350, rec), 1U);
  EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheelTest, InsertAndRemoveTrackLinkedFlagAndSize) {
  std::vector<timer_entry> entries(5);
  timer_wheel wheel;
  const std::uint64_t deadlines[] = {0, 1, 70, 5'000'000, u64_max};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].deadline = deadlines[i];
    EXPECT_FALSE(entries[i].is_linked());
    wheel.insert(&entries[i]);
    EXPECT_TRUE(entries[i].is_linked());
    EXPECT_EQ(wheel.size(), i + 1);
  }
  for (std::size_t i = entries.size(); i-- > 0;) {
    wheel.remove(&entries[i]);
    EXPECT_FALSE(entries[i].is_linked());
    EXPECT_EQ(entries[i].prev, nullptr);
    EXPECT_EQ(entries[i].next, nullptr);
    EXPECT_EQ(wheel.size(), i);
  }
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.next_expiration(), std::nullopt);
  recorder rec;
  EXPECT_EQ(wheel.advance(u64_max, rec), 0U);
}

TEST(TimerWheelTest, FiresAtItsDeadlineAcrossEveryLevelBoundary) {
  // Deadlines on, just before and just after each level boundary, seen from several
  // starting points, advanced to deadline - 1 and then to the deadline.
  std::vector<std::uint64_t> offsets = {1, 2, 63, 64, 65};
  for (unsigned l = 1; l <= 7; ++l) {
    const std::uint64_t p = std::uint64_t{1} << (6 * l);
    offsets.insert(offsets.end(), {p - 1, p, p + 1, 3 * p - 1});
  }
  for (const std::uint64_t start : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{63},
                                    std::uint64_t{4'095}, std::uint64_t{123'456'789},
                                    timer_wheel::range - 1}) {
    for (const std::uint64_t offset : offsets) {
      SCOPED_TRACE("start " + std::to_string(start) + " offset " + std::to_string(offset));
      timer_entry e;
      timer_wheel wheel(start);
      e.deadline = start + offset;
      wheel.insert(&e);
      const std::optional<std::uint64_t> next = wheel.next_expiration();
      ASSERT_TRUE(next.has_value());
      EXPECT_GT(*next, start);
      EXPECT_LE(*next, e.deadline);
      recorder rec;
      EXPECT_EQ(wheel.advance(e.deadline - 1, rec), 0U);
      EXPECT_TRUE(e.is_linked());
      EXPECT_EQ(wheel.next_expiration(), e.deadline);  // now in the same block: exact
      EXPECT_EQ(wheel.advance(e.deadline, rec), 1U);
      EXPECT_FALSE(e.is_linked());
      EXPECT_EQ(wheel.now(), e.deadline);
    }
  }
}

TEST(TimerWheelTest, DeadlineAtNowFiresOnTheNextAdvance) {
  timer_entry e;
  timer_wheel wheel(500);
  e.deadline = 500;
  wheel.insert(&e);
  EXPECT_EQ(wheel.next_expiration(), 500U);
  recorder rec;
  EXPECT_EQ(wheel.advance(500, rec), 1U);  // advancing to the same tick is enough
  ASSERT_EQ(rec.fired.size(), 1U);
  EXPECT_EQ(rec.fired[0], &e);
  EXPECT_EQ(wheel.now(), 500U);
}

TEST(TimerWheelTest, DeadlineInThePastFiresOnTheNextAdvanceEvenIfTimeStandsStill) {
  std::vector<timer_entry> entries(3);
  timer_wheel wheel(1'000'000);
  entries[0].deadline = 0;
  entries[1].deadline = 999'999;
  entries[2].deadline = 1'000'001;
  for (timer_entry& e : entries) wheel.insert(&e);
  EXPECT_EQ(wheel.next_expiration(), 1'000'000U);
  recorder rec;
  EXPECT_EQ(wheel.advance(3, rec), 2U);  // smaller value: time stays, overdue ones fire
  EXPECT_EQ(wheel.now(), 1'000'000U);
  EXPECT_TRUE(entries[2].is_linked());
  EXPECT_EQ(wheel.next_expiration(), 1'000'001U);
  EXPECT_EQ(wheel.advance(1'000'001, rec), 1U);
  EXPECT_EQ(rec.fired.size(), 3U);
}

TEST(TimerWheelTest, BigJumpFiresEverythingOnceInDeadlineOrder) {
  rng r(7);
  std::vector<timer_entry> entries(20'000);
  timer_wheel wheel(1'000);
  for (timer_entry& e : entries) {
    e.deadline = r.below(3) == 0 ? r.below(2'000) : 1'000 + r.magnitude(29);
    wheel.insert(&e);
  }
  // Overdue ones first (in any order), then the rest in deadline order, each at its tick.
  std::vector<std::uint64_t> fired_at;
  std::size_t calls = 0;
  std::size_t overdue_after_others = 0;
  const std::size_t fired = wheel.advance(1'000 + 1'000'000'000, [&](timer_entry* e) {
    ++calls;
    EXPECT_FALSE(e->is_linked());
    EXPECT_LE(e->deadline, wheel.now());
    if (e->deadline <= 1'000) {
      if (!fired_at.empty()) ++overdue_after_others;
      return;
    }
    EXPECT_EQ(e->deadline, wheel.now());
    fired_at.push_back(e->deadline);
  });
  EXPECT_EQ(overdue_after_others, 0U);
  EXPECT_EQ(fired, entries.size());
  EXPECT_EQ(calls, entries.size());
  EXPECT_TRUE(std::is_sorted(fired_at.begin(), fired_at.end()));
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.now(), 1'000'001'000U);
}

TEST(TimerWheelTest, HugeJumpsSkipEmptyTimeQuickly) {
  std::vector<timer_entry> entries(4);
  timer_wheel wheel;
  entries[0].deadline = 1'000'000'000;
  entries[1].deadline = 40 * timer_wheel::range + 17;
  entries[2].deadline = (std::uint64_t{1} << 62) + 5;
  entries[3].deadline = u64_max;  // above max_now: never fires
  for (timer_entry& e : entries) wheel.insert(&e);

  const auto started = std::chrono::steady_clock::now();
  recorder rec;
  EXPECT_EQ(wheel.advance(999'999'999, rec), 0U);
  EXPECT_EQ(wheel.advance(1'000'000'000, rec), 1U);
  EXPECT_EQ(wheel.advance(entries[1].deadline - 1, rec), 0U);
  EXPECT_EQ(wheel.advance(entries[1].deadline, rec), 1U);
  EXPECT_EQ(wheel.advance(entries[2].deadline - 1, rec), 0U);
  EXPECT_EQ(wheel.advance(u64_max, rec), 1U);
  EXPECT_EQ(wheel.now(), timer_wheel::max_now);
  EXPECT_EQ(wheel.advance(u64_max, rec), 0U);
  const auto took = std::chrono::steady_clock::now() - started;
  // Tick by tick (or rotation by rotation: 2^27 of them) this would take far longer.
  EXPECT_LT(took, std::chrono::seconds(10));  // a complexity check, far from the real figure

  ASSERT_EQ(rec.fired.size(), 3U);
  EXPECT_EQ(rec.fired[0], &entries[0]);
  EXPECT_EQ(rec.fired[1], &entries[1]);
  EXPECT_EQ(rec.fired[2], &entries[2]);
  EXPECT_TRUE(entries[3].is_linked());
  EXPECT_EQ(wheel.size(), 1U);
  wheel.remove(&entries[3]);
}

TEST(TimerWheelTest, FarFutureBeyondRangeFiresExactlyAtItsDeadline) {
  rng r(11);
  for (int round = 0; round < 200; ++round) {
    const std::uint64_t start = r.magnitude(40);
    timer_entry e;
    timer_wheel wheel(start);
    e.deadline = start + timer_wheel::range + r.magnitude(42);
    SCOPED_TRACE("start " + std::to_string(start) + " deadline " + std::to_string(e.deadline));
    wheel.insert(&e);
    std::size_t fired = 0;
    const auto fire = [&](timer_entry* f) {
      EXPECT_EQ(f, &e);
      EXPECT_EQ(wheel.now(), e.deadline);
      ++fired;
    };
    // Walk towards the deadline in shrinking jumps; next_expiration never overshoots.
    while (wheel.now() + 1 < e.deadline) {
      const std::optional<std::uint64_t> next = wheel.next_expiration();
      ASSERT_TRUE(next.has_value());
      EXPECT_GT(*next, wheel.now());
      EXPECT_LE(*next, e.deadline);
      const std::uint64_t left = e.deadline - wheel.now();
      wheel.advance(wheel.now() + std::max<std::uint64_t>(1, left - 1 - r.below(left / 2 + 1)),
                    fire);
      ASSERT_EQ(fired, 0U);
    }
    EXPECT_EQ(wheel.next_expiration(), e.deadline);
    wheel.advance(e.deadline, fire);
    EXPECT_EQ(fired, 1U);
  }
}

TEST(TimerWheelTest, RemovingFromInsideTheCallbackPreventsThoseFires) {
  std::vector<timer_entry> entries(6);
  timer_wheel wheel(100);
  entries[0].deadline = 50;   // overdue pair
  entries[1].deadline = 40;
  entries[2].deadline = 200;  // a pair in one level-0 slot
  entries[3].deadline = 200;
  entries[4].deadline = 300;  // later ones, on other levels
  entries[5].deadline = 100'000;
  for (timer_entry& e : entries) wheel.insert(&e);
  std::vector<timer_entry*> fired;
  wheel.advance(1'000'000, [&](timer_entry* e) {
    fired.push_back(e);
    // Whichever of a pair fires first removes the other one; the second pair also
    // removes the later entries.
    const auto i = static_cast<std::size_t>(e - entries.data());
    timer_entry* other = &entries[i ^ 1U];
    EXPECT_TRUE(other->is_linked());
    wheel.remove(other);
    if (i >= 2) {
      wheel.remove(&entries[4]);
      wheel.remove(&entries[5]);
    }
  });
  ASSERT_EQ(fired.size(), 2U);
  EXPECT_TRUE(fired[0] == &entries[0] || fired[0] == &entries[1]);
  EXPECT_TRUE(fired[1] == &entries[2] || fired[1] == &entries[3]);
  EXPECT_TRUE(wheel.empty());
  for (const timer_entry& e : entries) EXPECT_FALSE(e.is_linked());
}

TEST(TimerWheelTest, ReinsertingLaterFromTheCallbackFiresAgainInTheSameAdvance) {
  timer_entry e;
  timer_wheel wheel;
  e.deadline = 5;
  wheel.insert(&e);
  std::vector<std::uint64_t> fired_at;
  const std::size_t fired = wheel.advance(10'000, [&](timer_entry* f) {
    fired_at.push_back(wheel.now());
    if (fired_at.size() < 10) {
      f->deadline += 997;  // crosses level boundaries on the way
      wheel.insert(f);
    }
  });
  EXPECT_EQ(fired, 10U);
  ASSERT_EQ(fired_at.size(), 10U);
  for (std::size_t i = 0; i < fired_at.size(); ++i) EXPECT_EQ(fired_at[i], 5 + 997 * i);
  EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheelTest, ReinsertingAtNowFromTheCallbackWaitsForTheNextAdvance) {
  timer_entry e;
  timer_entry overdue;
  timer_wheel wheel;
  e.deadline = 64;
  wheel.insert(&e);
  std::size_t calls = 0;
  const auto rearm = [&](timer_entry* f) {
    ++calls;
    f->deadline = wheel.now();
    wheel.insert(f);
    if (!overdue.is_linked()) {
      overdue.deadline = 1;  // in the past: also waits
      wheel.insert(&overdue);
    }
  };
  EXPECT_EQ(wheel.advance(100, rearm), 1U);
  EXPECT_EQ(calls, 1U);
  EXPECT_EQ(wheel.size(), 2U);
  EXPECT_EQ(wheel.next_expiration(), 100U);
  EXPECT_EQ(wheel.advance(100, rearm), 2U);  // both fire; the callbacks re-arm again
  EXPECT_EQ(calls, 3U);
  EXPECT_EQ(wheel.size(), 2U);  // both re-armed at now(), waiting again
  wheel.clear();
  EXPECT_FALSE(e.is_linked());
  EXPECT_FALSE(overdue.is_linked());
  EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheelTest, ClearAndDestructionUnlinkEverything) {
  std::vector<timer_entry> entries(100);
  {
    timer_wheel wheel(77);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      entries[i].deadline = i * i * i * i * i;
      wheel.insert(&entries[i]);
    }
    EXPECT_EQ(wheel.size(), entries.size());
  }
  for (const timer_entry& e : entries) EXPECT_FALSE(e.is_linked());

  timer_wheel wheel;
  for (timer_entry& e : entries) wheel.insert(&e);
  wheel.clear();
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.next_expiration(), std::nullopt);
  recorder rec;
  EXPECT_EQ(wheel.advance(u64_max, rec), 0U);
  for (timer_entry& e : entries) wheel.insert(&e);  // reusable after clear
  EXPECT_EQ(wheel.advance(u64_max, rec), entries.size());
}

TEST(TimerWheelTest, CopiedEntryStartsUnlinked) {
  timer_entry e;
  timer_wheel wheel;
  e.deadline = 42;
  wheel.insert(&e);
  const timer_entry copy(e);
  EXPECT_FALSE(copy.is_linked());
  EXPECT_EQ(copy.deadline, 42U);
  EXPECT_EQ(copy.next, nullptr);
  wheel.remove(&e);
}

// Random inserts (past, now, near, far, beyond range, never), removes and advances, with
// callbacks that also remove, re-insert and insert. The oracle: a fired entry was linked,
// its deadline <= now() at the call; after advance(t) every entry still linked has
// deadline > t unless a callback inserted it at <= now(); next_expiration matches the
// reference minimum.
TEST(TimerWheelTest, RandomOperationsMatchAReferenceModel) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  record_seed(seed);
  rng r(seed);
  constexpr std::size_t pool = 400;
  const int ops = reduced_scale ? 30'000 : 120'000;
  std::vector<timer_entry> entries(pool);
  std::vector<char> linked(pool, 0);
  std::vector<char> deferred(pool, 0);  // inserted by a callback at deadline <= now()
  timer_wheel wheel(r.magnitude(40));
  std::size_t linked_count = 0;
  std::uint64_t target = 0;

  const auto draw_deadline = [&](std::uint64_t now) -> std::uint64_t {
    switch (r.below(8)) {
    case 0: return now - std::min(now, r.magnitude(20));
    case 1: return now;
    case 2: return now + 1 + r.below(64);
    case 3: return now + 1 + r.magnitude(36);
    case 4: return now + timer_wheel::range + r.magnitude(38);
    case 5: return r.below(64) == 0 ? u64_max : now + 1 + r.magnitude(12);
    default: return now + r.magnitude(24);
    }
  };
  const auto do_insert = [&](std::size_t i, bool from_callback) {
    entries[i].deadline = draw_deadline(wheel.now());
    deferred[i] = from_callback && entries[i].deadline <= wheel.now() ? 1 : 0;
    wheel.insert(&entries[i]);
    linked[i] = 1;
    ++linked_count;
  };
  const auto do_remove = [&](std::size_t i) {
    wheel.remove(&entries[i]);
    linked[i] = 0;
    --linked_count;
  };
  const auto fire = [&](timer_entry* e) {
    const auto i = static_cast<std::size_t>(e - entries.data());
    ASSERT_LT(i, pool);
    ASSERT_TRUE(linked[i]) << "fired an entry that was not linked";
    EXPECT_FALSE(e->is_linked());
    EXPECT_LE(e->deadline, wheel.now()) << "fired early";
    EXPECT_LE(wheel.now(), target);
    linked[i] = 0;
    --linked_count;
    switch (r.below(6)) {
    case 0: do_insert(i, true); break;  // re-arm
    case 1: {
      const std::size_t j = r.below(pool);
      if (linked[j]) do_remove(j);
      break;
    }
    case 2: {
      const std::size_t j = r.below(pool);
      if (!linked[j]) do_insert(j, true);
      break;
    }
    default: break;
    }
  };

  for (int op = 0; op < ops; ++op) {
    ASSERT_EQ(wheel.size(), linked_count);
    const std::size_t i = r.below(pool);
    const std::uint64_t kind = r.below(10);
    if (kind < 4) {
      if (!linked[i]) do_insert(i, false);
    } else if (kind < 6) {
      if (linked[i]) do_remove(i);
    } else {
      // next_expiration against the reference minimum.
      std::uint64_t min_deadline = u64_max;
      for (std::size_t j = 0; j < pool; ++j) {
        if (linked[j]) min_deadline = std::min(min_deadline, entries[j].deadline);
      }
      const std::uint64_t now = wheel.now();
      const std::optional<std::uint64_t> next = wheel.next_expiration();
      if (linked_count == 0) {
        ASSERT_EQ(next, std::nullopt);
      } else if (min_deadline <= now) {
        ASSERT_EQ(next, now);
      } else {
        ASSERT_TRUE(next.has_value());
        ASSERT_GT(*next, now);
        ASSERT_LE(*next, min_deadline);
        if ((min_deadline ^ now) < 64) {
          ASSERT_EQ(*next, min_deadline);
        }
      }

      const std::uint64_t step = r.below(8) == 0 ? 0 : r.magnitude(r.below(3) == 0 ? 38 : 14);
      const std::uint64_t asked = r.below(16) == 0 ? now - std::min(now, step) : now + step;
      target = std::max(asked, now);  // smaller values are ignored
      std::fill(deferred.begin(), deferred.end(), 0);
      wheel.advance(asked, fire);
      if (HasFatalFailure()) return;
      ASSERT_EQ(wheel.now(), target);
      for (std::size_t j = 0; j < pool; ++j) {
        if (linked[j] && !deferred[j]) {
          ASSERT_GT(entries[j].deadline, target) << "entry " << j << " fired late (op " << op
                                                 << ")";
        }
      }
    }
  }
  wheel.clear();
}

// The reliability scenario: 10^6 timers on a virtual clock, half cancelled, advanced in
// random steps: none early, each live one exactly once and on the first advance that reaches
// its deadline, no cancelled one, size() back to 0.
TEST(TimerWheelTest, FiresEachTimerExactlyOnceNeverEarly) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  record_seed(seed);
  rng r(seed);
  const std::size_t n = reduced_scale ? 200'000 : 1'000'000;
  const std::uint64_t start = r.magnitude(40);

  std::vector<timer_entry> entries(n);
  std::vector<unsigned char> fires(n, 0);
  // Half are cancelled, each at a random tick in [start, deadline): before the advance that
  // first reaches that tick.
  struct cancel {
    std::uint64_t at;
    std::uint32_t index;
  };
  std::vector<cancel> cancels;
  cancels.reserve(n / 2);
  timer_wheel wheel(start);

  std::uint64_t max_deadline = start;
  for (std::size_t i = 0; i < n; ++i) {
    timer_entry& e = entries[i];
    // Spread over every level, the top level's wrap-around and a few overdue ones.
    const std::uint64_t kind = r.below(64);
    if (kind == 0) {
      e.deadline = start - std::min(start, r.below(1'000));
    } else if (kind < 4) {
      e.deadline = start + timer_wheel::range + r.magnitude(38);
    } else {
      e.deadline = start + 1 + r.magnitude(36);
    }
    max_deadline = std::max(max_deadline, e.deadline);
    wheel.insert(&e);
    if (i % 2 == 1 && e.deadline > start) {
      cancels.push_back({start + r.below(e.deadline - start), static_cast<std::uint32_t>(i)});
    }
  }
  std::sort(cancels.begin(), cancels.end(),
            [](const cancel& a, const cancel& b) { return a.at < b.at; });
  ASSERT_EQ(wheel.size(), n);

  std::uint64_t previous = start;
  std::uint64_t target = start;
  bool first = true;
  std::size_t early = 0;
  std::size_t late = 0;
  const auto fire = [&](timer_entry* e) {
    const auto i = static_cast<std::size_t>(e - entries.data());
    ++fires[i];
    // Never early; and not late either: the previous advance had not reached the deadline
    // (overdue-at-start entries fire on the first advance).
    if (e->deadline > wheel.now() || wheel.now() > target) ++early;
    if (!first && e->deadline <= previous) ++late;
  };
  std::size_t next_cancel = 0;
  std::size_t cancelled = 0;
  std::size_t advances = 0;
  while (wheel.now() < max_deadline) {
    // Steps grow with elapsed time: fine-grained near the start, coarse later; some tiny.
    const std::uint64_t elapsed = wheel.now() - start;
    const std::uint64_t scale = std::max<std::uint64_t>(64, elapsed / 128);
    target = wheel.now() + 1 + (r.below(4) == 0 ? r.below(64) : r.below(scale));
    for (; next_cancel < cancels.size() && cancels[next_cancel].at < target; ++next_cancel) {
      timer_entry& e = entries[cancels[next_cancel].index];
      ASSERT_TRUE(e.is_linked());
      ASSERT_LT(wheel.now(), e.deadline);
      wheel.remove(&e);
      ++cancelled;
    }
    previous = wheel.now();
    wheel.advance(target, fire);
    first = false;
    ++advances;
  }
  RecordProperty("advances", std::to_string(advances));
  EXPECT_EQ(early, 0U);
  EXPECT_EQ(late, 0U);
  EXPECT_EQ(cancelled, cancels.size());
  EXPECT_GT(cancelled, n / 2 - n / 16);
  EXPECT_EQ(wheel.size(), 0U);
  EXPECT_EQ(wheel.next_expiration(), std::nullopt);
  std::size_t reported = 0;
  std::vector<char> was_cancelled(n, 0);
  for (const cancel& c : cancels) was_cancelled[c.index] = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned expected = was_cancelled[i] ? 0U : 1U;
    if (fires[i] != expected) {
      ADD_FAILURE() << "entry " << i << " deadline " << entries[i].deadline << " fired "
                    << static_cast<unsigned>(fires[i]) << " times, expected " << expected;
      if (++reported == 10) break;
    }
  }
}

} // namespace
