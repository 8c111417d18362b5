// weft/runtime/detail/root_waker.hpp: the waker of a block_on root future: sets a flag and
// unparks the driver of the thread inside block_on. Reference-counted and detachable, so a
// clone that outlives the block_on call is harmless (it finds no driver and does nothing).
//
// Protocol: `notified` is the wake flag (exchange, so one unpark per false→true edge; the
// driver's notification is sticky, so the flag and unpark cannot be lost). `drv` is read and
// cleared under `lock`; detach() clears it before the driver is destroyed.
#pragma once

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/spin_lock.hpp"
#include "weft/runtime/driver.hpp"

namespace weft::detail {

class root_waker {
public:
  explicit root_waker(driver* d) : s_(new shared) { s_->drv = d; }
  root_waker(const root_waker&) = delete;
  root_waker& operator=(const root_waker&) = delete;
  ~root_waker() {
    detach();
    release(s_);
  }

  waker make_waker() {
    // relaxed: a reference made from a live one.
    s_->refs.fetch_add(1, memory_order_relaxed);
    return waker(s_, &vtable);
  }
  /// Consumes a pending wake. acquire: pairs with the waker's release, so the event that
  /// caused it is visible to the poll that follows.
  bool take_notification() noexcept { return s_->notified.exchange(false, memory_order_acquire); }
  [[nodiscard]] bool is_notified() const noexcept {
    // acquire: as take_notification (pairs with the waker's release exchange).
    return s_->notified.load(memory_order_acquire);
  }
  void detach() noexcept {
    s_->lock.lock();
    s_->drv = nullptr;
    s_->lock.unlock();
  }

private:
  struct shared {
    atomic<long> refs{1};
    atomic<bool> notified{true};  // the first poll needs no wake
    spin_lock lock;
    driver* drv = nullptr;
  };
  static shared* self(const void* d) noexcept { return static_cast<shared*>(const_cast<void*>(d)); }
  static void release(shared* s) noexcept {
    // acq_rel: the last release sees every holder's writes before deleting.
    if (s->refs.fetch_sub(1, memory_order_acq_rel) == 1) delete s;
  }
  static const void* clone(const void* d) noexcept {
    self(d)->refs.fetch_add(1, memory_order_relaxed);  // relaxed: as in make_waker
    return d;
  }
  static void wake_by_ref(const void* d) noexcept {
    shared* s = self(d);
    // acq_rel: release publishes the event to take_notification's acquire.
    if (s->notified.exchange(true, memory_order_acq_rel)) return;
    s->lock.lock();
    if (s->drv != nullptr) s->drv->unpark();
    s->lock.unlock();
  }
  static void wake(const void* d) noexcept {
    wake_by_ref(d);
    release(self(d));
  }
  static void drop(const void* d) noexcept { release(self(d)); }
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};

  shared* s_;
};

} // namespace weft::detail
