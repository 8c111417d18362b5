// weft/detail/slab_heap.hpp: slab_heap, one thread's heap of small blocks (coroutine frames,
// task cells, op states, timer nodes), and slab_chunk, the 64 KiB aligned chunk it carves
// blocks of one size class from. frame_allocator (frame_allocator.hpp) is the interface; this
// file is the machinery.
//
// Protocol
// Roles: the owner (the thread using the heap: it allocates, frees its own blocks, drains)
// and remote freers (threads freeing a block whose chunk belongs to another heap).
// Fields:
//   slab_chunk::{heap, block_size, class_index} — written when the chunk is made, read-only
//     after; any thread reads them to find a block's home (chunk_of masks the address).
//   slab_chunk::{free, bump, live, linked, next, prev} and slab_heap::classes_ — owner only.
//   slab_heap::remote_ — a Treiber stack of blocks freed by other threads (any thread pushes
//     a linked batch with one CAS; the owner takes it whole with one exchange).
// 1. A block belongs to exactly one chunk, a chunk to exactly one heap, for its whole life.
// 2. A remote free pushes (release) after the freer's last use of the block; the owner's
//    exchange (acquire) happens before it reuses any block of the batch.
// 3. Heaps are never destroyed: a thread that exits abandons its heap to a global list, and
//    the next new thread adopts it (with its chunks, free blocks and remote list), so a block
//    freed after its home thread exited still has a live home. Chunks whose blocks are all
//    free go back to a global pool (their pages released with MADV_DONTNEED) once a class
//    keeps more than one empty chunk.
// Not here: size classes above 2 KiB and over-aligned blocks (plain operator new), sanitizer
// builds (frame_allocator bypasses the slab so ASan sees every use-after-free).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "weft/config.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::detail {

inline constexpr std::size_t slab_granule = 16;
inline constexpr std::size_t slab_max_block = 2048;
inline constexpr std::size_t slab_class_count = slab_max_block / slab_granule;
inline constexpr std::size_t slab_chunk_size = std::size_t{64} * 1024;

/// The size class of an n-byte block (n in 1..slab_max_block).
constexpr std::size_t slab_class_of(std::size_t n) noexcept {
  return n == 0 ? 0 : (n - 1) / slab_granule;
}

struct slab_block {
  slab_block* next;
};

class slab_heap;

struct alignas(64) slab_chunk {
  slab_heap* heap = nullptr;
  std::uint32_t block_size = 0;
  std::uint32_t class_index = 0;
  slab_block* free = nullptr;
  char* bump = nullptr;
  char* end = nullptr;
  std::uint32_t live = 0;
  bool linked = false;  // in its class's list of chunks with free blocks
  slab_chunk* next = nullptr;
  slab_chunk* prev = nullptr;

  static slab_chunk* of(const void* p) noexcept {
    // Safety: every slab block lies inside a chunk aligned to slab_chunk_size whose first
    // bytes hold this header (invariant 1).
    return reinterpret_cast<slab_chunk*>(reinterpret_cast<std::uintptr_t>(p) &
                                         ~(std::uintptr_t{slab_chunk_size} - 1));
  }
  [[nodiscard]] bool has_free() const noexcept { return free != nullptr || bump != end; }
  char* first_block() noexcept { return reinterpret_cast<char*>(this) + sizeof(slab_chunk); }
};

/// Where chunks come from: 4 MiB mappings cut into aligned chunks, and chunks given back.
/// Guarded by a mutex: taken once per 64 KiB of blocks.
class slab_chunk_pool {
public:
  static slab_chunk_pool& get() {
    static auto* p = new slab_chunk_pool;  // leaked on purpose: blocks outlive static dtors
    return *p;
  }

  void* take() {
    std::lock_guard lock(mu_);
    if (spare_ != nullptr) return std::exchange(spare_, spare_->next_spare);
    if (next_ == limit_) map_arena();
    void* c = next_;
    next_ += slab_chunk_size;
    return c;
  }

  void give_back(void* c) noexcept {
    // The pages go back to the kernel; the address range stays ours for reuse.
    ::madvise(c, slab_chunk_size, MADV_DONTNEED);
    std::lock_guard lock(mu_);
    auto* s = static_cast<spare*>(c);
    s->next_spare = spare_;
    spare_ = s;
  }

private:
  struct spare {
    spare* next_spare;
  };
  static constexpr std::size_t arena_size = std::size_t{4} << 20;
  static constexpr std::size_t huge_page = std::size_t{2} << 20;

  /// True when a fault in MADV_HUGEPAGE memory never waits for the kernel to compact
  /// memory: THP defrag is "defer" or "never". Under "madvise", "defer+madvise" and
  /// "always" the hint makes each first touch of a 2 MiB page compact synchronously when
  /// memory is fragmented: measured, a burst of 10^6 spawns then took 420-590 ns per task
  /// instead of ~215 with 4 KiB pages (and ~120 when huge pages were free). Read once.
  static bool huge_pages_never_stall() noexcept {
    static const bool ok = [] {
      const int fd = ::open("/sys/kernel/mm/transparent_hugepage/defrag", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return false;
      char buf[128] = {};
      const ::ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ::close(fd);
      if (n <= 0) return false;
      // The active mode is the bracketed one: "always defer defer+madvise [madvise] never".
      const std::string_view text(buf, static_cast<std::size_t>(n));
      return text.find("[defer]") != std::string_view::npos ||
             text.find("[never]") != std::string_view::npos;
    }();
    return ok;
  }

  void map_arena() {
    // Over-map so an arena aligned to a huge page fits, then trim the ends. Aligned and
    // advised, the kernel can back it with 2 MiB pages (where transparent huge pages are
    // enabled for madvised memory): a burst of a million frames then costs a few dozen page
    // faults instead of tens of thousands. Advised only where that never stalls (above).
    const std::size_t len = arena_size + huge_page;
    void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    const auto base = reinterpret_cast<std::uintptr_t>(m);
    const std::uintptr_t aligned = (base + huge_page - 1) & ~(std::uintptr_t{huge_page} - 1);
    if (aligned != base) ::munmap(m, aligned - base);
    const std::uintptr_t tail = base + len - (aligned + arena_size);
    if (tail != 0) ::munmap(reinterpret_cast<void*>(aligned + arena_size), tail);
#ifdef MADV_HUGEPAGE
    if (huge_pages_never_stall())
      ::madvise(reinterpret_cast<void*>(aligned), arena_size, MADV_HUGEPAGE);  // a hint only
#endif
    next_ = reinterpret_cast<char*>(aligned);
    limit_ = next_ + arena_size;
  }

  std::mutex mu_;
  spare* spare_ = nullptr;
  char* next_ = nullptr;
  char* limit_ = nullptr;
};

class slab_heap {
public:
  /// Owner: a block of class `cls`.
  void* allocate(std::size_t cls) {
    class_state& c = classes_[cls];
    slab_chunk* ch = c.current;
    if (ch == nullptr || !ch->has_free()) ch = refill(cls);
    ++ch->live;
    if (slab_block* b = ch->free) {
      ch->free = b->next;
      return b;
    }
    void* p = ch->bump;
    ch->bump += ch->block_size;
    return p;
  }

  /// Owner: frees a block of one of this heap's chunks.
  void free_local(void* p) noexcept {
    slab_chunk* ch = slab_chunk::of(p);
    WEFT_ASSERT(ch->heap == this, "slab block freed into the wrong heap");
    // Safety: p is a dead block of at least 16 bytes; it becomes a list node.
    ch->free = ::new (p) slab_block{ch->free};
    --ch->live;
    class_state& c = classes_[ch->class_index];
    if (ch == c.current) return;
    if (ch->live == 0) {
      release_empty(c, ch);
    } else if (!ch->linked) {
      link(c, ch);
    }
  }

  /// Any thread: hands a linked batch of this heap's blocks back (invariant 2).
  void free_remote(slab_block* first, slab_block* last) noexcept {
    // relaxed: a first guess for the CAS below, which publishes the batch (release).
    slab_block* head = remote_.load(memory_order_relaxed);
    do {
      last->next = head;
      // release: the freer's writes to these blocks happen-before the owner's reuse.
    } while (!remote_.compare_exchange_weak(head, first, memory_order_release,
                                            memory_order_relaxed));
  }

  slab_heap* next_abandoned = nullptr;  // guarded by the abandoned-heap list's mutex

private:
  struct class_state {
    slab_chunk* current = nullptr;
    slab_chunk* partial = nullptr;  // chunks with free blocks, other than current
    slab_chunk* empty = nullptr;    // one wholly free chunk kept for reuse
  };

  // The current chunk is full: take remote frees, then a partial chunk, then a new one.
  slab_chunk* refill(std::size_t cls) {
    class_state& c = classes_[cls];
    drain_remote();
    if (c.current != nullptr && c.current->has_free()) return c.current;
    if (c.partial != nullptr) {
      slab_chunk* ch = c.partial;
      unlink(c, ch);
      return c.current = ch;
    }
    if (c.empty != nullptr) return c.current = std::exchange(c.empty, nullptr);
    return c.current = new_chunk(cls);
  }

  void drain_remote() noexcept {
    if (remote_.load(memory_order_relaxed) == nullptr) return;  // relaxed: a hint only
    // acquire: pairs with free_remote's release (invariant 2).
    slab_block* b = remote_.exchange(nullptr, memory_order_acquire);
    while (b != nullptr) {
      slab_block* next = b->next;
      free_local(b);
      b = next;
    }
  }

  slab_chunk* new_chunk(std::size_t cls) {
    void* mem = slab_chunk_pool::get().take();
    // Safety: mem is a fresh (or given back) chunk-sized, chunk-aligned region.
    auto* ch = ::new (mem) slab_chunk();
    ch->heap = this;
    ch->block_size = static_cast<std::uint32_t>((cls + 1) * slab_granule);
    ch->class_index = static_cast<std::uint32_t>(cls);
    ch->bump = ch->first_block();
    const std::size_t room = slab_chunk_size - sizeof(slab_chunk);
    ch->end = ch->bump + room / ch->block_size * ch->block_size;
    return ch;
  }

  void release_empty(class_state& c, slab_chunk* ch) noexcept {
    if (ch->linked) unlink(c, ch);
    // Reset: its blocks are all free, so it is as good as new.
    ch->free = nullptr;
    ch->bump = ch->first_block();
    if (c.empty == nullptr) {
      c.empty = ch;
      return;
    }
    ch->~slab_chunk();
    slab_chunk_pool::get().give_back(ch);
  }

  static void link(class_state& c, slab_chunk* ch) noexcept {
    ch->prev = nullptr;
    ch->next = c.partial;
    if (c.partial != nullptr) c.partial->prev = ch;
    c.partial = ch;
    ch->linked = true;
  }
  static void unlink(class_state& c, slab_chunk* ch) noexcept {
    if (ch->prev != nullptr) {
      ch->prev->next = ch->next;
    } else {
      c.partial = ch->next;
    }
    if (ch->next != nullptr) ch->next->prev = ch->prev;
    ch->next = ch->prev = nullptr;
    ch->linked = false;
  }

  std::array<class_state, slab_class_count> classes_{};
  alignas(cache_line) atomic<slab_block*> remote_{nullptr};
};

/// Heaps of threads that exited, for new threads to adopt (invariant 3).
class slab_heap_registry {
public:
  static slab_heap_registry& get() {
    static auto* r = new slab_heap_registry;  // leaked on purpose, like the heaps
    return *r;
  }
  slab_heap* acquire() {
    {
      std::lock_guard lock(mu_);
      if (abandoned_ != nullptr) return std::exchange(abandoned_, abandoned_->next_abandoned);
    }
    return new slab_heap();
  }
  void abandon(slab_heap* h) {
    std::lock_guard lock(mu_);
    h->next_abandoned = abandoned_;
    abandoned_ = h;
  }

private:
  std::mutex mu_;
  slab_heap* abandoned_ = nullptr;
};

} // namespace weft::detail
