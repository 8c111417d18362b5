// weft/detail/frame_allocator.hpp: a per-thread recycling allocator for coroutine frames and
// task cells. Blocks are grouped in 32-byte size classes up to 2 KiB; each thread keeps a
// bounded free list per class, so steady-state task creation does not reach malloc. A block
// may be freed on another thread than the one that allocated it: it simply joins that
// thread's list (every block comes from ::operator new, so any thread may own it).
// Not here: anything shared between threads (the lists are thread-local).
// Sanitizer builds bypass the cache (plain new/delete) so ASan still sees every
// use-after-free of a frame, task cell or op state.
#pragma once

#include <array>
#include <cstddef>
#include <new>

#include "weft/config.hpp"

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
  static constexpr std::size_t granule = 32;
  static constexpr std::size_t classes = 64;  // up to 2 KiB
  /// Blocks kept per class per thread: about 1 MiB of each class.
  static constexpr std::size_t max_cached(std::size_t c) noexcept {
    return (std::size_t{1} << 20) / ((c + 1) * granule);
  }

  static void* allocate(std::size_t n) {
#ifdef WEFT_PLAIN_ALLOC
    return ::operator new(n);
#endif
    const std::size_t c = class_of(n);
    if (c < classes) {
      list& l = state_.lists[c];
      if (l.head != nullptr) {
        block* b = l.head;
        l.head = b->next;
        --l.count;
        return b;
      }
      return ::operator new((c + 1) * granule);
    }
    return ::operator new(n);
  }

  static void deallocate(void* p, std::size_t n) noexcept {
#ifdef WEFT_PLAIN_ALLOC
    ::operator delete(p, n);
    return;
#endif
    const std::size_t c = class_of(n);
    if (c < classes && !state_.dead) {
      list& l = state_.lists[c];
      if (l.count < max_cached(c)) {
        if (!state_.reaper_armed) arm_reaper();
        // Safety: p is a dead block of at least granule bytes; it becomes a list node.
        l.head = ::new (p) block{l.head};
        ++l.count;
        return;
      }
    }
    ::operator delete(p, c < classes ? (c + 1) * granule : n);
  }

  /// Allocates `n` bytes aligned to `align`. Alignments above the system allocator's bypass
  /// the cache (such blocks are rare and cannot share lists with the others).
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

  /// Returns this thread's cached blocks to the system allocator.
  static void trim() noexcept {
    for (std::size_t c = 0; c < classes; ++c) {
      list& l = state_.lists[c];
      while (l.head != nullptr) {
        block* b = l.head;
        l.head = b->next;
        ::operator delete(b, (c + 1) * granule);
      }
      l.count = 0;
    }
  }

private:
  struct block {
    block* next;
  };
  struct list {
    block* head;
    std::size_t count;
  };
  // Trivially destructible, so the hot path needs no TLS init guard; a separate reaper
  // object (registered on first caching) frees the lists at thread exit, after which
  // blocks go straight back to operator delete.
  struct state {
    std::array<list, classes> lists;
    bool reaper_armed;
    bool dead;
  };
  struct reaper {
    reaper() = default;
    reaper(const reaper&) = delete;
    reaper& operator=(const reaper&) = delete;
    ~reaper() {
      trim();
      state_.dead = true;
    }
  };

  static void arm_reaper() noexcept {
    thread_local reaper r;
    (void)r;
    state_.reaper_armed = true;
  }

  static constexpr std::size_t class_of(std::size_t n) noexcept {
    return n == 0 ? 0 : (n - 1) / granule;
  }

  static inline thread_local constinit state state_{};
};

} // namespace weft::detail
