// tests/sync/sync_support.hpp: helpers shared by the sync tests: runtimes (current-thread
// and two workers), the hand-off count of the lost-wake hunts (10^5 by default, 10^6 with
// WEFT_LONG_TESTS=1), a deadline that turns a hang into a failure, and a counted value type
// for bounded-memory checks.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <utility>

#include "support/runtime_support.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/runtime.hpp"

#ifndef WEFT_SKIP_IN_CHAOS_BUILD
#ifdef WEFT_CHAOS
#define WEFT_SKIP_IN_CHAOS_BUILD(why) GTEST_SKIP() << "chaos build: " << why
#else
#define WEFT_SKIP_IN_CHAOS_BUILD(why) (void)0
#endif
#endif

namespace weft::test {

inline bool long_tests() {
  const char* v = std::getenv("WEFT_LONG_TESTS");
  return v != nullptr && v[0] == '1';
}
/// Hand-offs per lost-wake hunt.
inline long hunt_rounds() {
  if (long_tests()) return 1'000'000;
  return scaled(100'000, 100'000, 100'000);
}

inline runtime current_thread_rt() { return runtime::builder().current_thread().build(); }
inline runtime two_workers_rt() { return runtime::builder().workers(2).build(); }

/// Runs `body` on another thread; aborts with a failure if it does not finish in `limit`.
template <class Body> void with_deadline(std::chrono::seconds limit, Body body) {
  auto f = std::async(std::launch::async, std::move(body));
  if (f.wait_for(limit) == std::future_status::timeout) {
    ADD_FAILURE() << "no progress for " << limit.count() << " s: a wake-up was lost";
    std::fflush(stdout);
    std::abort();
  }
  f.get();
}

/// Polls a future owned elsewhere (select takes its futures by value).
template <class F> struct by_ref {
  F* f;
  auto poll(context& cx) { return f->poll(cx); }
};
template <class F> by_ref<F> ref(F& f) { return by_ref<F>{&f}; }

/// A value that counts how many of its kind are alive.
struct counted {
  static inline detail::atomic<long> live{0};
  static inline detail::atomic<long> peak{0};
  long v = 0;
  explicit counted(long x) : v(x) { bump(); }
  counted(const counted& o) : v(o.v) { bump(); }
  counted(counted&& o) noexcept : v(o.v) { bump(); }
  counted& operator=(const counted&) = default;
  counted& operator=(counted&&) = default;
  ~counted() { live.fetch_sub(1); }
  static void bump() {
    long n = live.fetch_add(1) + 1;
    long p = peak.load();
    while (n > p && !peak.compare_exchange_weak(p, n)) {
    }
  }
  static void reset() {
    live.store(0);
    peak.store(0);
  }
};

} // namespace weft::test
