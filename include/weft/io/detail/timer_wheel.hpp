// weft/io/detail/timer_wheel.hpp: the hierarchical timer wheel behind a worker's time
// driver: intrusive timer_entry nodes in 6 levels x 64 slots, O(1) insert and remove, and an
// advance that skips empty time through per-level occupancy bitmasks.
// Not here: clocks and tick conversion, wakers, the sleep future, cross-worker re-arming
// (the driver owns those). The wheel is single-threaded, knows only ticks, never allocates.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "weft/config.hpp"

// Protocol
// ========
// Roles. One thread, the owning worker's time driver, calls every member; nothing is atomic.
// A timer_entry belongs to the future that embeds it; the wheel only links it into a list.
//
// Fields (all written by the wheel only).
//   now_              the tick last advanced to; never decreases; always <= max_now.
//   levels_[l]        64 slot lists and an `occupied` mask: bit s set <=> slot s non-empty.
//   top_floor_[s]     a lower bound on the deadlines in top-level slot s (max when empty).
//   pending_[2]       entries inserted with deadline <= now_. insert appends to
//                     pending_[pending_gen_]; advance flips pending_gen_, then drains the other.
//   entry.level_/slot_  the list an entry is in (remove is O(1)); level_ == not_linked if none.
//
// Placement of an entry with deadline d >= now_ (place()). Let x = (now_ ^ d) | 63.
//   x <  64^6: level l = (bit_width(x) - 1) / 6, slot (d >> 6l) & 63. l is the highest 6-bit
//              digit in which d and now_ differ, so d lies in now_'s level-(l+1) block and in
//              a later level-l slot than now_ (level 0: possibly now_'s own slot, if d == now_).
//   otherwise: d is past the end of now_'s 64^6 block ("beyond range"). It goes to the top
//              level too, by the same rule: slot (d >> 30) & 63, its slot in its own rotation.
//   On the top level, top_floor_[s] = min(top_floor_[s], d).
//
// Due tick of a slot: the tick at which advance processes it.
//   level l < 5, slot s: (now_ rounded down to 64^(l+1)) + s * 64^l.
//   top level, slot s:   top_floor_[s] rounded down to 2^30. A top slot may hold deadlines
//                        from several rotations; the floor makes it due in the earliest one,
//                        so a far-future timer costs one cascade, however far time jumps.
// advance(t) visits every slot with due tick <= t in increasing due order, setting now_ to
// the due tick first. A level-0 slot's entries all have deadline == due tick: each is unlinked,
// then fired. A higher slot is detached and each entry placed again against the new now_
// (a cascade): it lands on a strictly lower level, or back on the top level if still beyond
// range (then in a later rotation of the same slot). Nothing fires from above level 0.
// Last, now_ = t.
//
// Invariants.
//   1. An entry in slot (l, s) has due(l, s) <= deadline. [placement; on the top level every
//      deadline in slot s has digit s, and the floor is at most each of them (a removal may
//      leave it lower, never higher)]
//   2. Outside advance every occupied slot has due > now_; inside, due >= now_, with equality
//      only for the level-0 slot being fired. [placement puts d in a slot starting after
//      now_ (or d == now_ at level 0, mid-cascade); advance handles every due <= t before
//      now_ = t, and a top slot's floor only changes when it is cascaded or emptied;
//      checked in next_slot()]
//   3. Never early: an entry fires from level 0 at due == deadline, or from pending_ with
//      deadline <= now_. Never late: by 1 and 2, advance(t) reaches the slot of every entry
//      with deadline <= t; each cascade moves it down a level, so it fires at its deadline.
//   4. An occupied slot on level l < 5 is due before every occupied slot on a higher level
//      (those are due on a 64^(l+1) boundary after now_; this one before the next such
//      boundary). So the earliest slot is the lowest occupied level's lowest set bit (2 makes
//      the bits below now_'s slot empty); only the top level needs a search, over <= 64 bits.
//   5. A fire callback that inserts at deadline <= now() lands on the pending list not being
//      drained, so it waits for the next advance: re-arming at now() cannot livelock.
// Checked by the WEFT_ASSERTs below and by tests/time/timer_wheel_test.cpp.

namespace weft::time::detail {

class timer_wheel;

/// An intrusive timer node (the driver's timer_node derives from it). Set `deadline` (in
/// ticks), then hand the entry to timer_wheel::insert.
///
/// *Preconditions*: a linked entry stays at its address and keeps its deadline until it fires
/// or is removed; it must not be destroyed while linked (asserted).
/// *Thread safety*: owned by the thread that owns the wheel it is linked into.
struct timer_entry {
  std::uint64_t deadline = 0;   ///< in ticks (the driver uses 1 tick = 1 ms)
  timer_entry* prev = nullptr;  ///< neighbours in the wheel's list; wheel-owned while linked
  timer_entry* next = nullptr;

  timer_entry() noexcept = default;
  /// Copies the deadline only; the copy starts unlinked (a future may move before it sleeps).
  timer_entry(const timer_entry& other) noexcept : deadline(other.deadline) {}
  /// Copies the deadline only. *Preconditions*: `*this` is not linked.
  timer_entry& operator=(const timer_entry& other) noexcept {
    WEFT_ASSERT(!is_linked(), "timer_entry assigned to while linked in a timer_wheel");
    deadline = other.deadline;
    return *this;
  }
  ~timer_entry() {
    WEFT_ASSERT(!is_linked(), "timer_entry destroyed while linked in a timer_wheel");
  }

  /// True from insert until the entry fires, is removed, or its wheel is cleared.
  [[nodiscard]] bool is_linked() const noexcept { return level_ != not_linked; }

private:
  friend class timer_wheel;
  static constexpr std::uint8_t not_linked = 0xff;

  std::uint8_t level_ = not_linked;  // wheel level 0..5, pending_level, or not_linked
  std::uint8_t slot_ = 0;            // slot in the level, or which pending list
};

/// A hierarchical timing wheel: 6 levels of 64 slots, level l slot width 64^l ticks, so one
/// rotation of the top level spans 64^6 = 2^36 ticks (~2.2 years of 1 ms ticks). Later
/// deadlines wait on the top level and move down as time approaches them. See the protocol
/// at the top of this file.
///
/// *Thread safety*: none; owned by one thread (the worker's time driver).
class timer_wheel {
public:
  static constexpr unsigned levels = 6;
  static constexpr unsigned slots_per_level = 64;
  /// Ticks spanned by one rotation of the top level.
  static constexpr std::uint64_t range = std::uint64_t{1} << 36;
  /// The largest tick the wheel advances to: later `now` values are clamped to it, so a
  /// deadline above max_now (e.g. UINT64_MAX for "never") never fires.
  static constexpr std::uint64_t max_now = std::numeric_limits<std::uint64_t>::max() >> 1;

  /// An empty wheel whose time starts at `now` (clamped to max_now).
  explicit timer_wheel(std::uint64_t now = 0) noexcept : now_(std::min(now, max_now)) {
    top_floor_.fill(no_floor);
  }
  timer_wheel(const timer_wheel&) = delete;
  timer_wheel& operator=(const timer_wheel&) = delete;
  /// Unlinks every entry still in the wheel (their is_linked() turns false); fires none.
  ~timer_wheel() { clear(); }

  /// Links `e`, whose deadline is already set. A deadline <= now() fires on the next advance
  /// (also when called from a fire callback). O(1).
  /// *Preconditions*: `!e->is_linked()`.
  void insert(timer_entry* e) noexcept {
    WEFT_ASSERT(e != nullptr && !e->is_linked(), "timer_wheel::insert of a linked entry");
    ++size_;
    if (e->deadline <= now_) {
      push_front(pending_[pending_gen_], e);
      e->level_ = pending_level;
      e->slot_ = static_cast<std::uint8_t>(pending_gen_);
      return;
    }
    place(e);
  }

  /// Unlinks `e` without firing it. O(1). May be called from a fire callback.
  /// *Preconditions*: `e->is_linked()`, and linked into this wheel.
  void remove(timer_entry* e) noexcept {
    WEFT_ASSERT(e != nullptr && e->is_linked(), "timer_wheel::remove of an unlinked entry");
    unlink(e);
  }

  /// The earliest tick at which some entry may fire: now() when an entry is already due,
  /// else a tick > now() and <= every deadline, equal to the earliest deadline when that lies
  /// in now()'s 64-tick block (level 0). Further out it may be the start of the earliest
  /// occupied slot, where advancing only moves entries down. std::nullopt when empty. O(1).
  [[nodiscard]] std::optional<std::uint64_t> next_expiration() const noexcept {
    if (pending_[0] != nullptr || pending_[1] != nullptr) return now_;
    if (const std::optional<due_slot> next = next_slot()) return next->tick;
    return std::nullopt;
  }

  /// Moves time to `now` (values below now() are ignored, values above max_now clamped) and
  /// calls `fire(timer_entry*)` once for every entry whose deadline <= now: first those that
  /// were already due, then the rest in deadline order. Each is unlinked before its call,
  /// during which now() reads its deadline (or, for one already due, the starting now()).
  /// The callback may insert and remove entries, re-insert the fired one, or clear(); an
  /// entry it inserts fires in this same call iff its deadline is > now() and <= `now`.
  /// Cost: O(entries fired + cascades + occupied slots passed); empty time is skipped.
  /// *Preconditions*: not called from a fire callback (asserted).
  /// *Errors*: an exception from `fire` propagates; the wheel stays consistent, and entries
  /// not yet fired fire on a later advance.
  /// Returns the number of entries fired.
  template <class Fn> std::size_t advance(std::uint64_t now, Fn&& fire) {
    const advancing_scope scope(advancing_);
    const std::uint64_t target = std::clamp(now, now_, max_now);
    std::size_t fired = 0;

    // Entries inserted while already due. Flip first: ones that callbacks insert at
    // deadline <= now_ go to the other list and wait for the next advance (invariant 5).
    const unsigned drain = pending_gen_;
    pending_gen_ ^= 1U;
    while (timer_entry* e = pending_[drain]) {
      unlink(e);
      ++fired;
      fire(e);
    }

    for (;;) {
      const std::optional<due_slot> next = next_slot();
      if (!next || next->tick > target) break;
      now_ = next->tick;
      if (next->level == 0) {
        // A callback cannot add to this slot: a deadline == now_ goes to pending_, and a
        // later one to another slot or level. It may remove from it, so re-read the head.
        while (timer_entry* e = levels_[0].slots[next->slot]) {
          unlink(e);
          ++fired;
          fire(e);
        }
      } else {
        cascade(next->level, next->slot);
      }
    }
    now_ = target;
    return fired;
  }

  /// Unlinks every entry without firing it; now() is unchanged. O(entries).
  void clear() noexcept {
    clear([](timer_entry*) noexcept {});
  }
  /// Like clear(), and hands each entry to `forgotten(entry)` once it is unlinked (the
  /// callback may destroy it).
  template <class Fn> void clear(Fn&& forgotten) noexcept {
    for (level_slots& lvl : levels_) {
      for (std::uint64_t occ = lvl.occupied; occ != 0; occ &= occ - 1) {
        forget_list(lvl.slots[static_cast<unsigned>(std::countr_zero(occ))], forgotten);
      }
      lvl.occupied = 0;
    }
    forget_list(pending_[0], forgotten);
    forget_list(pending_[1], forgotten);
    top_floor_.fill(no_floor);
    size_ = 0;
  }

  /// The tick last advanced to (inside a fire callback: the tick being processed).
  [[nodiscard]] std::uint64_t now() const noexcept { return now_; }
  /// The number of linked entries.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

private:
  static constexpr unsigned slot_bits = 6;  // log2(slots_per_level)
  static constexpr unsigned top = levels - 1;
  static constexpr unsigned top_shift = top * slot_bits;  // log2 of a top slot's width
  static constexpr std::uint8_t pending_level = levels;
  static constexpr std::uint64_t no_floor = std::numeric_limits<std::uint64_t>::max();
  static_assert(std::uint64_t{1} << (levels * slot_bits) == range);

  struct level_slots {
    std::uint64_t occupied = 0;  // bit s <=> slots[s] != nullptr
    std::array<timer_entry*, slots_per_level> slots{};
  };
  struct due_slot {
    unsigned level;
    unsigned slot;
    std::uint64_t tick;
  };
  // Rejects advance from inside a fire callback, and re-opens advance even if fire throws.
  struct advancing_scope {
    explicit advancing_scope(bool& flag) noexcept : flag_(flag) {
      WEFT_ASSERT(!flag, "timer_wheel::advance called from a fire callback");
      flag_ = true;
    }
    advancing_scope(const advancing_scope&) = delete;
    advancing_scope& operator=(const advancing_scope&) = delete;
    ~advancing_scope() { flag_ = false; }
    bool& flag_;
  };

  static std::uint64_t bit(unsigned slot) noexcept { return std::uint64_t{1} << slot; }

  static void push_front(timer_entry*& head, timer_entry* e) noexcept {
    e->prev = nullptr;
    e->next = head;
    if (head != nullptr) head->prev = e;
    head = e;
  }

  // Marks every entry of a list unlinked and empties the list.
  template <class Fn> static void forget_list(timer_entry*& head, Fn& forgotten) noexcept {
    for (timer_entry* e = head; e != nullptr;) {
      timer_entry* following = e->next;
      e->prev = nullptr;
      e->next = nullptr;
      e->level_ = timer_entry::not_linked;
      forgotten(e);
      e = following;
    }
    head = nullptr;
  }

  // The level for a deadline d >= now (see Placement).
  static unsigned level_for(std::uint64_t now, std::uint64_t d) noexcept {
    const std::uint64_t differ = (now ^ d) | (slots_per_level - 1);
    if (differ >= range) return top;
    return (static_cast<unsigned>(std::bit_width(differ)) - 1U) / slot_bits;
  }

  // Links e (deadline >= now_) into its slot (see Placement).
  void place(timer_entry* e) noexcept {
    WEFT_ASSERT(e->deadline >= now_, "timer_wheel: placing an entry behind now");
    const unsigned lvl = level_for(now_, e->deadline);
    const auto slot =
        static_cast<unsigned>(e->deadline >> (lvl * slot_bits)) & (slots_per_level - 1);
    push_front(levels_[lvl].slots[slot], e);
    levels_[lvl].occupied |= bit(slot);
    if (lvl == top) top_floor_[slot] = std::min(top_floor_[slot], e->deadline);
    e->level_ = static_cast<std::uint8_t>(lvl);
    e->slot_ = static_cast<std::uint8_t>(slot);
  }

  void unlink(timer_entry* e) noexcept {
    const unsigned lvl = e->level_;
    const unsigned slot = e->slot_;
    timer_entry*& head = lvl == pending_level ? pending_[slot] : levels_[lvl].slots[slot];
    if (e->prev != nullptr) {
      e->prev->next = e->next;
    } else {
      head = e->next;
    }
    if (e->next != nullptr) e->next->prev = e->prev;
    if (head == nullptr && lvl < levels) {
      levels_[lvl].occupied &= ~bit(slot);
      if (lvl == top) top_floor_[slot] = no_floor;
    }
    e->prev = nullptr;
    e->next = nullptr;
    e->level_ = timer_entry::not_linked;
    --size_;
  }

  // The occupied slot with the smallest due tick (invariant 4), or nullopt when the levels
  // are empty (pending_ is not looked at).
  [[nodiscard]] std::optional<due_slot> next_slot() const noexcept {
    for (unsigned lvl = 0; lvl < top; ++lvl) {
      const std::uint64_t occ = levels_[lvl].occupied;
      if (occ == 0) continue;
      const unsigned shift = lvl * slot_bits;
      const auto slot = static_cast<unsigned>(std::countr_zero(occ));
      const std::uint64_t block = now_ & ~((std::uint64_t{1} << (shift + slot_bits)) - 1);
      const std::uint64_t due = block + (std::uint64_t{slot} << shift);
      WEFT_ASSERT(due > now_ || (lvl == 0 && due == now_),
                  "timer_wheel: an occupied slot is behind now (invariant 2)");
      return due_slot{lvl, slot, due};
    }

    // Top level: the smallest floor, rounded down to its slot's start.
    if (levels_[top].occupied == 0) return std::nullopt;
    due_slot best{top, 0, no_floor};
    for (std::uint64_t occ = levels_[top].occupied; occ != 0; occ &= occ - 1) {
      const auto slot = static_cast<unsigned>(std::countr_zero(occ));
      const std::uint64_t due = top_floor_[slot] & ~((std::uint64_t{1} << top_shift) - 1);
      WEFT_ASSERT(due > now_, "timer_wheel: a top slot is behind now (invariant 2)");
      if (due < best.tick) best = due_slot{top, slot, due};
    }
    return best;
  }

  // Detaches slot (lvl, slot), lvl > 0, and places each entry again against now_ (its due
  // tick): each lands lower, or on the top level again when still beyond range.
  void cascade(unsigned lvl, unsigned slot) noexcept {
    timer_entry* e = levels_[lvl].slots[slot];
    levels_[lvl].slots[slot] = nullptr;
    levels_[lvl].occupied &= ~bit(slot);
    if (lvl == top) top_floor_[slot] = no_floor;
    while (e != nullptr) {
      timer_entry* following = e->next;
      place(e);
      WEFT_ASSERT(e->level_ < lvl || lvl == top, "timer_wheel: a cascade did not move down");
      e = following;
    }
  }

  std::uint64_t now_;
  std::size_t size_ = 0;
  std::array<level_slots, levels> levels_{};
  std::array<std::uint64_t, slots_per_level> top_floor_{};
  std::array<timer_entry*, 2> pending_{};
  unsigned pending_gen_ = 0;
  bool advancing_ = false;
};

} // namespace weft::time::detail
