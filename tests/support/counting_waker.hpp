// tests/support/counting_waker.hpp: counting_waker, a wake target whose vtable counts every
// slot call (clone, drop, wake, wake_by_ref) and the references alive, so a test can assert
// that a future balanced its waker references and woke as often as it should.
// Not here: any scheduling; a wake only bumps counters (and runs an optional hook).
//
// Protocol: every waker made by make_waker() or cloned from one holds one reference.
// `wake` consumes its reference, `drop` releases it, `clone` adds one. So at any moment
//   live() == made() + clones() - drops() - wakes(),
// and a future that balanced its references leaves live() == 0 once the test's own wakers
// are gone. All counters are atomics: wakers may be used from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::test {

class counting_waker {
public:
  counting_waker() = default;
  /// Runs `hook` on every wake and wake_by_ref (from the waking thread).
  explicit counting_waker(std::function<void()> hook) : hook_(std::move(hook)) {}
  counting_waker(const counting_waker&) = delete;
  counting_waker& operator=(const counting_waker&) = delete;
  ~counting_waker() = default;

  /// A new reference to this target. The counting_waker must outlive every waker made.
  [[nodiscard]] waker make_waker() {
    made_.fetch_add(1);
    live_.fetch_add(1);
    return waker(this, &vtable);
  }

  [[nodiscard]] long made() const noexcept { return made_.load(); }
  [[nodiscard]] long clones() const noexcept { return clones_.load(); }
  [[nodiscard]] long drops() const noexcept { return drops_.load(); }
  [[nodiscard]] long wakes() const noexcept { return wakes_.load(); }
  [[nodiscard]] long wake_by_refs() const noexcept { return wake_by_refs_.load(); }
  /// Every wake of either kind.
  [[nodiscard]] long total_wakes() const noexcept { return wakes() + wake_by_refs(); }
  /// References currently alive.
  [[nodiscard]] long live() const noexcept { return live_.load(); }
  /// True when every reference made or cloned was released exactly once.
  [[nodiscard]] bool balanced() const noexcept {
    return live() == 0 && made() + clones() == drops() + wakes();
  }

  /// Waits (sleeping) until at least `n` wakes of either kind happened, or `timeout` passed.
  bool wait_for_wakes(long n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (total_wakes() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
  }

private:
  static counting_waker* self(const void* d) {
    return static_cast<counting_waker*>(const_cast<void*>(d));
  }
  static const void* clone(const void* d) {
    self(d)->clones_.fetch_add(1);
    self(d)->live_.fetch_add(1);
    return d;
  }
  static void wake(const void* d) {
    counting_waker* s = self(d);
    s->wakes_.fetch_add(1);
    if (s->hook_) s->hook_();
    s->live_.fetch_sub(1);
  }
  static void wake_by_ref(const void* d) {
    counting_waker* s = self(d);
    s->wake_by_refs_.fetch_add(1);
    if (s->hook_) s->hook_();
  }
  static void drop(const void* d) {
    self(d)->drops_.fetch_add(1);
    self(d)->live_.fetch_sub(1);
  }
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};

  std::function<void()> hook_;
  detail::atomic<long> made_{0};
  detail::atomic<long> clones_{0};
  detail::atomic<long> drops_{0};
  detail::atomic<long> wakes_{0};
  detail::atomic<long> wake_by_refs_{0};
  detail::atomic<long> live_{0};
};

} // namespace weft::test
