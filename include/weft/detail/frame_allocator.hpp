// weft/detail/frame_allocator.hpp: frame_allocator, the allocator behind coroutine frames,
// task cells, op states and timer nodes: a per-thread slab (slab_heap.hpp) with 16-byte size
// classes up to 2 KiB, carved from 64 KiB chunks. A burst of a million live tasks costs a
// chunk per few hundred blocks (and its page faults once), not a malloc each.
//
// Protocol (thread-local state; see slab_heap.hpp for the heap's own protocol):
// - `heap`: the calling thread's slab_heap, acquired (adopted or new) on first use and
//   abandoned when the thread exits (the reaper), after which the thread allocates from a
//   shared heap under a mutex (`late`): blocks made and freed by thread-exit destructors.
// - A block freed on a thread other than its home goes back home in batches: `outgoing`
//   collects up to batch_size blocks per destination heap (a few destinations at once) and
//   pushes each batch with one CAS. Batches are flushed when full, when a fifth destination
//   appears, and at thread exit; so at most a few dozen freed blocks per thread wait.
// Larger or over-aligned blocks use plain operator new. Sanitizer builds use plain
// new/delete for everything, so ASan still sees every use-after-free of a frame or op.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <new>
#include <utility>

#include "weft/config.hpp"
#include "weft/detail/slab_heap.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WEFT_PLAIN_ALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WEFT_PLAIN_ALLOC 1
#endif
#endif

namespace weft::detail {

class frame_allocator {
public:
  static constexpr std::size_t granule = slab_granule;
  static constexpr std::size_t max_block = slab_max_block;

  static void* allocate(std::size_t n) {
#ifdef WEFT_PLAIN_ALLOC
    return ::operator new(n);
#else
    if (n > max_block) return ::operator new(n);
    thread_state& t = state_;
    if (WEFT_LIKELY(t.heap != nullptr)) return t.heap->allocate(slab_class_of(n));
    return allocate_slow(n);
#endif
  }

  static void deallocate(void* p, std::size_t n) noexcept {
#ifdef WEFT_PLAIN_ALLOC
    ::operator delete(p, n);
#else
    if (n > max_block) {
      ::operator delete(p, n);
      return;
    }
    thread_state& t = state_;
    slab_chunk* ch = slab_chunk::of(p);
    if (WEFT_LIKELY(ch->heap == t.heap && t.heap != nullptr)) {
      t.heap->free_local(p);
      return;
    }
    free_foreign(p, ch->heap);
#endif
  }

  /// Allocates `n` bytes aligned to `align`. Alignments above the system allocator's bypass
  /// the slab (such blocks are rare).
  static void* allocate(std::size_t n, std::align_val_t align) {
    if (static_cast<std::size_t>(align) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) return allocate(n);
    return ::operator new(n, align);
  }
  static void deallocate(void* p, std::size_t n, std::align_val_t align) noexcept {
    if (static_cast<std::size_t>(align) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      deallocate(p, n);
      return;
    }
    ::operator delete(p, n, align);
  }

  /// Pushes this thread's pending cross-thread frees home now (tests; thread exit does it).
  static void flush() noexcept {
#ifndef WEFT_PLAIN_ALLOC
    for (auto& b : state_.outgoing) flush(b);
#endif
  }

private:
  static constexpr std::size_t batch_size = 32;
  static constexpr std::size_t destinations = 4;

  struct batch {
    slab_heap* home;
    slab_block* first;
    slab_block* last;
    std::size_t count;
  };
  // Trivially destructible, so the hot path needs no TLS init guard; the reaper (registered
  // on first use) flushes and abandons at thread exit.
  struct thread_state {
    slab_heap* heap;
    std::array<batch, destinations> outgoing;
    bool reaper_armed;
    bool dead;
  };
  struct reaper {
    reaper() = default;
    reaper(const reaper&) = delete;
    reaper& operator=(const reaper&) = delete;
    ~reaper() {
      flush();
      state_.dead = true;
      if (slab_heap* h = std::exchange(state_.heap, nullptr)) slab_heap_registry::get().abandon(h);
    }
  };

  struct late_heap {
    std::mutex mu;
    slab_heap* heap = nullptr;
  };
  static late_heap& late() {
    static auto* l = new late_heap;  // leaked on purpose, like the heaps
    return *l;
  }

  static void arm() {
    thread_local reaper r;
    (void)r;
    state_.reaper_armed = true;
  }

  [[gnu::noinline]] static void* allocate_slow(std::size_t n) {
    thread_state& t = state_;
    if (t.dead) {
      late_heap& l = late();
      std::lock_guard lock(l.mu);
      if (l.heap == nullptr) l.heap = slab_heap_registry::get().acquire();
      return l.heap->allocate(slab_class_of(n));
    }
    if (!t.reaper_armed) arm();
    t.heap = slab_heap_registry::get().acquire();
    return t.heap->allocate(slab_class_of(n));
  }

  [[gnu::noinline]] static void free_foreign(void* p, slab_heap* home) noexcept {
    thread_state& t = state_;
    // Safety: p is a dead block of at least 16 bytes; it becomes a list node.
    auto* b = ::new (p) slab_block{nullptr};
    if (t.dead) {
      late_heap& l = late();
      std::lock_guard lock(l.mu);
      if (home == l.heap) {
        l.heap->free_local(p);
      } else {
        home->free_remote(b, b);
      }
      return;
    }
    if (!t.reaper_armed) arm();
    batch* slot = nullptr;
    for (auto& out : t.outgoing) {
      if (out.home == home) {
        slot = &out;
        break;
      }
      if (out.home == nullptr && slot == nullptr) slot = &out;
    }
    if (slot == nullptr) {  // a fifth destination: make room
      slot = &t.outgoing[0];
      flush(*slot);
    }
    if (slot->home == nullptr) {
      *slot = batch{home, b, b, 1};
    } else {
      b->next = slot->first;
      slot->first = b;
      ++slot->count;
    }
    if (slot->count >= batch_size) flush(*slot);
  }

  static void flush(batch& b) noexcept {
    if (b.home == nullptr) return;
    b.home->free_remote(b.first, b.last);
    b = batch{};
  }

  static inline thread_local constinit thread_state state_{};
};

} // namespace weft::detail
