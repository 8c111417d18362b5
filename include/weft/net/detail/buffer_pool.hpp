// weft/net/detail/buffer_pool.hpp: buffer_pool, the per-thread pool behind pooled receive:
// fixed-size receive buffers taken when data has arrived and given back when the caller drops
// its pooled_buffer, so an idle connection holds no read buffer.
//
// Protocol
// Roles: the owner thread (its pool is `current()`; takes buffers), any thread (gives a
// buffer back when the task holding it moved), the owner's thread exit (retires the pool).
// Fields: lock_ guards free_, free_count_, out_, and each header's in_pool flag;
//   refs_ (atomic): one for the owner thread plus one per buffer out; the last release frees
//   the pool, so a buffer may outlive its thread.
//   counters (atomic, relaxed): process-wide taken / returned / fallbacks, for tests and
//   metrics only.
// Invariants:
//   1. a buffer is either in its pool's free list (in_pool) or held by exactly one
//      pooled_buffer; giving back a buffer that is in_pool aborts (returned twice);
//   2. at most keep_max buffers stay cached per pool; the rest go back to the heap;
//   3. at most max_out buffers are out per pool; past that, take() returns null and the
//      caller falls back to a heap buffer (exhaustion never drops data: nothing is read
//      until a buffer is held).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "weft/config.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/spin_lock.hpp"

namespace weft::net::detail {

class buffer_pool;

/// The header in front of each buffer's bytes.
struct buffer_header {
  buffer_pool* pool = nullptr;  // null: a fallback heap buffer
  buffer_header* next = nullptr;
  bool in_pool = false;
  [[nodiscard]] std::byte* bytes() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
};

struct pool_counters {
  weft::detail::atomic<std::uint64_t> taken{0};
  weft::detail::atomic<std::uint64_t> returned{0};
  weft::detail::atomic<std::uint64_t> fallbacks{0};
};
inline pool_counters& counters() noexcept {
  static pool_counters c;
  return c;
}

class buffer_pool {
public:
  static constexpr std::size_t buffer_size = 16 * 1024 - sizeof(buffer_header);
  static constexpr std::size_t keep_max = 64;
  static constexpr std::size_t max_out = 4096;

  /// The calling thread's pool (made on first use, retired at thread exit).
  static buffer_pool& current();

  /// A buffer for `buffer_size` bytes, or null when max_out are out (use a fallback).
  buffer_header* take() {
    buffer_header* b = nullptr;
    lock_.lock();
    if (free_ != nullptr) {
      b = free_;
      free_ = b->next;
      --free_count_;
    } else if (out_ >= max_out) {
      lock_.unlock();
      return nullptr;
    }
    ++out_;
    if (b != nullptr) b->in_pool = false;
    lock_.unlock();
    if (b == nullptr) b = make(this);
    refs_.fetch_add(1, weft::detail::memory_order_relaxed);  // relaxed: made from the owner's live reference
    counters().taken.fetch_add(1, weft::detail::memory_order_relaxed);  // relaxed: a statistic
    return b;
  }

  /// A heap buffer outside any pool (the exhaustion fallback).
  static buffer_header* take_fallback() {
    counters().fallbacks.fetch_add(1, weft::detail::memory_order_relaxed);  // relaxed: a statistic
    counters().taken.fetch_add(1, weft::detail::memory_order_relaxed);
    return make(nullptr);
  }

  /// Gives `b` back (any thread). Exactly once per take.
  static void give_back(buffer_header* b) noexcept {
    counters().returned.fetch_add(1, weft::detail::memory_order_relaxed);  // relaxed: a statistic
    buffer_pool* p = b->pool;
    if (p == nullptr) {
      destroy(b);
      return;
    }
    p->lock_.lock();
    WEFT_CHECK(!b->in_pool, "weft: a pooled buffer was returned twice");
    --p->out_;
    if (p->free_count_ < keep_max && !p->retired_) {
      b->in_pool = true;
      b->next = p->free_;
      p->free_ = b;
      ++p->free_count_;
      b = nullptr;
    }
    p->lock_.unlock();
    if (b != nullptr) destroy(b);
    p->release();
  }

private:
  friend struct pool_holder;

  static buffer_header* make(buffer_pool* p) {
    void* mem = ::operator new(sizeof(buffer_header) + buffer_size);
    auto* b = new (mem) buffer_header();  // Safety: fresh storage, bytes follow the header
    b->pool = p;
    return b;
  }
  static void destroy(buffer_header* b) noexcept {
    b->~buffer_header();  // Safety: made by make(); trivially destructible
    ::operator delete(static_cast<void*>(b));
  }

  void retire() noexcept {
    lock_.lock();
    retired_ = true;
    buffer_header* f = free_;
    free_ = nullptr;
    free_count_ = 0;
    lock_.unlock();
    while (f != nullptr) {
      buffer_header* n = f->next;
      destroy(f);
      f = n;
    }
    release();
  }
  void release() noexcept {
    // acq_rel: the last release sees every give_back's writes before freeing the pool.
    if (refs_.fetch_sub(1, weft::detail::memory_order_acq_rel) == 1) delete this;
  }

  weft::detail::spin_lock lock_;
  buffer_header* free_ = nullptr;
  std::size_t free_count_ = 0;
  std::size_t out_ = 0;
  bool retired_ = false;
  weft::detail::atomic<long> refs_{1};  // the owner thread
};

/// Owns the calling thread's pool; retires it at thread exit.
struct pool_holder {
  buffer_pool* pool;
  pool_holder() : pool(new buffer_pool()) {}
  pool_holder(const pool_holder&) = delete;
  pool_holder& operator=(const pool_holder&) = delete;
  ~pool_holder() { pool->retire(); }
};

inline buffer_pool& buffer_pool::current() {
  thread_local pool_holder h;
  return *h.pool;
}

} // namespace weft::net::detail
