// weft/task/detail/frame_prefix.hpp: frame_prefix, the bytes in front of every task<T>
// coroutine frame: the chain state used while the frame is the root of a chain (task_root),
// and room for a task_header, constructed when the frame is spawned. So a spawned task<T> is
// one allocation (its frame), and a frame polled as a root needs no state elsewhere.
//
// The frame itself starts right after the prefix. Destroying a spawned frame (cancellation,
// an output nobody reads) must leave the prefix alone while references remain: the runtime
// names the frame in `frame_to_keep` around that destroy, and the promise's operator delete
// then only records the frame's size (in the dead frame's first bytes); the block goes when
// the last reference does (free_kept).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstring>
#include <new>

#include "weft/core/context.hpp"
#include "weft/detail/frame_allocator.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

class promise_base;

/// A type-erased pending leaf: `poll(self, cx)` returns true once the leaf is ready (its
/// output, or an exception, then sits in the awaiter).
struct leaf_slot {
  void* self = nullptr;
  bool (*poll)(void* self, context& cx) = nullptr;
};

/// The state shared by every frame of one chain (see task.hpp): the context of the current
/// poll, the innermost suspended frame and its pending leaf.
struct task_root {
  context* cx = nullptr;
  std::coroutine_handle<> innermost;
  promise_base* innermost_promise = nullptr;  // the promise of `innermost`
  leaf_slot leaf;
};

/// The frame being destroyed by the runtime with its prefix kept (see the file comment).
inline thread_local constinit void* frame_to_keep = nullptr;

struct alignas(16) frame_prefix {
  task_root root;
  alignas(task_header) unsigned char header_storage[sizeof(task_header)];

  static frame_prefix* of_frame(void* frame) noexcept {
    // Safety: every task frame was allocated by allocate_frame, right after its prefix, in
    // one block; stepping back stays inside that block.
    return reinterpret_cast<frame_prefix*>(opaque(static_cast<char*>(frame)) - sizeof(frame_prefix));
  }
  static frame_prefix* of_header(task_header* t) noexcept {
    // Safety: spawned frames' headers live in header_storage of their prefix.
    return reinterpret_cast<frame_prefix*>(opaque(reinterpret_cast<char*>(t)) -
                                           offsetof(frame_prefix, header_storage));
  }
  void* frame() noexcept { return reinterpret_cast<char*>(this) + sizeof(frame_prefix); }
  task_header* header() noexcept {
    // Safety: only called on spawned frames, whose header was constructed in the storage.
    return std::launder(reinterpret_cast<task_header*>(header_storage));
  }

  /// Hides where `p` came from, so the compiler's object-size tracking (and UBSan's check
  /// built on it) does not take the frame, or the header, for the whole allocation: the
  /// prefix lies before both, in the same block.
  static char* opaque(char* p) noexcept {
    __asm__("" : "+r"(p));
    return p;
  }

  /// The promise's operator new: prefix + frame in one block.
  static void* allocate_frame(std::size_t n) {
    void* block = frame_allocator::allocate(sizeof(frame_prefix) + n);
    // Safety: the block is fresh; the prefix is constructed in its first bytes.
    auto* p = ::new (block) frame_prefix();
    return p->frame();
  }
  /// The promise's operator delete.
  static void deallocate_frame(void* frame, std::size_t n) noexcept {
    if (frame == frame_to_keep) {
      // Safety: the frame is dead; its first bytes hold its size until the block is freed.
      std::memcpy(frame, &n, sizeof n);
      return;
    }
    frame_prefix* p = of_frame(frame);
    p->~frame_prefix();
    frame_allocator::deallocate(p, sizeof(frame_prefix) + n);
  }
  /// Frees the block of a frame destroyed with its prefix kept.
  static void free_kept(frame_prefix* p) noexcept {
    std::size_t n = 0;
    std::memcpy(&n, p->frame(), sizeof n);
    p->~frame_prefix();
    frame_allocator::deallocate(p, sizeof(frame_prefix) + n);
  }
};

static_assert(sizeof(frame_prefix) % 16 == 0, "frames must stay 16-byte aligned");

/// Sets frame_to_keep for a scope (nests).
class keep_frame_scope {
public:
  explicit keep_frame_scope(void* frame) noexcept : saved_(frame_to_keep) { frame_to_keep = frame; }
  keep_frame_scope(const keep_frame_scope&) = delete;
  keep_frame_scope& operator=(const keep_frame_scope&) = delete;
  ~keep_frame_scope() { frame_to_keep = saved_; }

private:
  void* saved_;
};

} // namespace weft::detail
