// weft/runtime/detail/block_on_drivers.hpp: block_on_drivers, the drivers a multi-thread
// runtime lends to threads that call rt.block_on, one per thread, kept between calls (setting
// up an io_uring costs tens of microseconds, a block_on of a ready future a few hundred ns).
//
// Protocol: `entries_` is guarded by `mu_`. A thread is named by a serial number taken once
// per thread (thread ids are reused by new threads; a ring is bound to the thread that made
// it). acquire() hands this thread its idle driver, or makes one; while lent, an entry is
// `busy` (a nested block_on on the same thread gets a driver of its own). release() quiesces
// the driver on its owner thread first (nothing stays in flight), so an idle driver may be
// destroyed by any thread: by eviction when more than `max_idle` threads hold one, or with
// the runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "weft/detail/atomic.hpp"
#include "weft/runtime/driver.hpp"

namespace weft::detail {

class block_on_drivers {
public:
  static constexpr std::size_t max_idle = 16;

  explicit block_on_drivers(driver_factory make) : make_(std::move(make)) {}
  block_on_drivers(const block_on_drivers&) = delete;
  block_on_drivers& operator=(const block_on_drivers&) = delete;

  /// A driver lent to the calling thread until the lease ends.
  class lease {
  public:
    lease(block_on_drivers& owner, driver* d) noexcept : owner_(&owner), d_(d) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { owner_->release(d_); }
    [[nodiscard]] driver* get() const noexcept { return d_; }

  private:
    block_on_drivers* owner_;
    driver* d_;
  };

  /// Errors: whatever the driver factory throws (e.g. io_uring unavailable).
  lease acquire(const driver_config& cfg) {
    const std::uint64_t me = thread_serial();
    {
      std::lock_guard lock(mu_);
      for (auto& e : entries_) {
        if (e.thread == me && !e.busy) {
          e.busy = true;
          return lease(*this, e.drv.get());
        }
      }
    }
    std::unique_ptr<driver> d = make_(cfg);
    driver* raw = d.get();
    std::unique_ptr<driver> evicted;
    {
      std::lock_guard lock(mu_);
      entries_.push_back(entry{me, std::move(d), true});
      evicted = evict_locked();
    }
    return lease(*this, raw);  // `evicted` (idle, quiesced) is destroyed here, unlocked
  }

private:
  struct entry {
    std::uint64_t thread;
    std::unique_ptr<driver> drv;
    bool busy;
  };

  void release(driver* d) noexcept {
    d->quiesce();
    std::lock_guard lock(mu_);
    for (auto& e : entries_) {
      if (e.drv.get() == d) e.busy = false;
    }
  }

  // Preconditions: mu_ held. Drops the oldest idle entry when too many are idle.
  std::unique_ptr<driver> evict_locked() {
    std::size_t idle = 0;
    for (auto& e : entries_) idle += e.busy ? 0 : 1;
    if (idle <= max_idle) return nullptr;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (!entries_[i].busy) {
        std::unique_ptr<driver> d = std::move(entries_[i].drv);
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
        return d;
      }
    }
    return nullptr;
  }

  static std::uint64_t thread_serial() noexcept {
    static atomic<std::uint64_t> next{1};
    // relaxed: only uniqueness matters, and the RMW gives it.
    thread_local const std::uint64_t serial = next.fetch_add(1, memory_order_relaxed);
    return serial;
  }

  driver_factory make_;
  std::mutex mu_;
  std::vector<entry> entries_;
};

} // namespace weft::detail
