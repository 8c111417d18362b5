// tests/support/runtime_support.hpp: helpers for the runtime tests and benchmarks.
// - sizes: `scaled(release, debug, sanitized)` picks a workload size for the build at hand
//   (optimized, Debug, or ASan/UBSan/TSan), so stress tests stay under their time budget;
// - watchdog: aborts the process with a message when a test hangs, instead of hanging CI;
// - wait_until: polls a predicate with a deadline (for effects that land asynchronously,
//   like a task leaving the owned-task list just after its join handle saw it complete);
// - leaf futures: handoff (a one-slot hand-off between tasks, woken across threads),
//   coop_ready (always ready, but spends the coop budget), parked_forever (never ready,
//   keeps a clone of its waker) and drop_probe (counts destructions and where they ran).
// Not here: anything that drives a runtime (tests build their own with runtime::builder).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"
#include "weft/detail/chaos.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WEFT_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WEFT_TEST_SANITIZED 1
#endif
#endif

/// Skips a test that asserts a scheduling property the chaos build deliberately breaks (an
/// exact poll count, completion on the first poll, no spurious wake): chaos builds inject
/// spurious polls and random budgets, so such an assertion would test the chaos, not weft.
#define WEFT_SKIP_IN_CHAOS_BUILD(why)                                                          \
  if (::weft::detail::chaos_enabled) GTEST_SKIP() << "chaos build: " why

namespace weft::test {

#ifdef WEFT_TEST_SANITIZED
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#ifdef NDEBUG
inline constexpr bool optimized = true;
#else
inline constexpr bool optimized = false;
#endif
#ifdef WEFT_TSAN
inline constexpr bool tsan = true;
#else
inline constexpr bool tsan = false;
#endif

/// A workload size: `release` in optimized builds, `debug` in plain Debug builds,
/// `sanitized` under ASan/UBSan/TSan (which also run at -O1 but several times slower).
constexpr long scaled(long release, long debug, long sanitized_n) noexcept {
  if (sanitized) return sanitized_n;
  return optimized ? release : debug;
}

/// Aborts the process with a message if it is still alive after `limit`: a hung test
/// fails (ctest shows the message) instead of blocking CI until its global timeout.
class watchdog {
public:
  watchdog(std::chrono::milliseconds limit, std::string what)
      : what_(std::move(what)), thread_([this, limit] { run(limit); }) {}
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

private:
  void run(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, limit, [&] { return done_; })) return;
    std::fprintf(stderr, "\nwatchdog: `%s` did not finish within %lld ms: FAILED (hang)\n",
                 what_.c_str(), static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::abort();
  }

  std::string what_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

/// Polls `pred` every 100 µs until it holds or `timeout` passes; returns its last value.
template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

/// Busy-waits for about `d` (no syscalls): simulates a task doing CPU work.
inline void spin_for(std::chrono::nanoseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) detail::spin_pause();
}

/// The calling thread's name (runtime workers are named "<thread_name>-<index>").
inline std::string this_thread_name() {
  char buf[32] = {};
  pthread_getname_np(pthread_self(), buf, sizeof(buf));
  return buf;
}

/// CPU time consumed so far by the thread whose CPU clock is `clock`.
inline std::chrono::nanoseconds thread_cpu_time(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

/// A one-slot hand-off: put() fills the slot and wakes the taker; take() is a leaf future
/// ready once the slot is full (it empties it). One taker at a time; put() from any thread.
/// The waker is stored under a mutex, so a put() racing a pending take() cannot be lost:
/// either the taker sees `full_` or the putter sees the taker's waker.
class handoff {
public:
  class take_future {
  public:
    explicit take_future(handoff& h) noexcept : h_(&h) {}
    ::weft::poll<void> poll(context& cx) {
      std::lock_guard lock(h_->mu_);
      if (h_->full_) {
        h_->full_ = false;
        return ready();
      }
      if (h_->waker_) {
        h_->waker_->clone_from(cx.waker());
      } else {
        h_->waker_.emplace(cx.waker());
      }
      return pending;
    }

  private:
    handoff* h_;
  };

  handoff() = default;
  handoff(const handoff&) = delete;
  handoff& operator=(const handoff&) = delete;

  void put() {
    std::optional<waker> w;
    {
      std::lock_guard lock(mu_);
      full_ = true;
      w.swap(waker_);
    }
    if (w) std::move(*w).wake();
  }
  [[nodiscard]] take_future take() noexcept { return take_future(*this); }

private:
  std::mutex mu_;
  bool full_ = false;
  std::optional<waker> waker_;
};

/// A leaf that is always ready but asks the coop budget first (as ready I/O would): once the
/// budget of the current poll is spent it answers pending (poll_proceed woke the task).
struct coop_ready {
  ::weft::poll<void> poll(context& cx) {
    if (!coop::poll_proceed(cx)) return pending;
    return ready();
  }
};

/// Counters shared by drop_probes: how many were made and destroyed, and on which threads.
class probe_stats {
public:
  [[nodiscard]] long made() const noexcept { return made_.load(); }
  [[nodiscard]] long destroyed() const noexcept { return destroyed_.load(); }
  [[nodiscard]] long live() const noexcept { return made() - destroyed(); }
  /// Destructions that ran on thread `id`.
  [[nodiscard]] long destroyed_on(std::thread::id id) const {
    std::lock_guard lock(mu_);
    long n = 0;
    for (auto t : threads_) n += t == id ? 1 : 0;
    return n;
  }

  void on_make() noexcept { made_.fetch_add(1); }
  void on_destroy() {
    {
      std::lock_guard lock(mu_);
      threads_.push_back(std::this_thread::get_id());
    }
    destroyed_.fetch_add(1);
  }

private:
  detail::atomic<long> made_{0};
  detail::atomic<long> destroyed_{0};
  mutable std::mutex mu_;
  std::vector<std::thread::id> threads_;
};

/// One logical object reported to a probe_stats; a move transfers it (the moved-from probe
/// reports nothing), so "destroyed exactly once" is checkable.
class drop_probe {
public:
  explicit drop_probe(probe_stats& s) : s_(&s) { s_->on_make(); }
  drop_probe(drop_probe&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  drop_probe(const drop_probe&) = delete;
  drop_probe& operator=(const drop_probe&) = delete;
  drop_probe& operator=(drop_probe&&) = delete;
  ~drop_probe() {
    if (s_ != nullptr) s_->on_destroy();
  }

private:
  probe_stats* s_;
};

/// A slot a task can park a clone of its waker in, for waking it later from outside.
class waker_slot {
public:
  void store(const waker& w) {
    std::lock_guard lock(mu_);
    if (w_) {
      w_->clone_from(w);
    } else {
      w_.emplace(w);
    }
  }
  /// Takes the stored waker out (empty if none).
  std::optional<waker> take() {
    std::lock_guard lock(mu_);
    std::optional<waker> out;
    out.swap(w_);
    return out;
  }
  [[nodiscard]] bool has_waker() const {
    std::lock_guard lock(mu_);
    return w_.has_value();
  }

private:
  mutable std::mutex mu_;
  std::optional<waker> w_;
};

/// A leaf that never completes. Each poll stores a clone of the waker in `slot` (if given)
/// and, on its first poll, bumps `polls` (if given).
class parked_forever {
public:
  explicit parked_forever(waker_slot* slot = nullptr, std::atomic<long>* polls = nullptr)
      : slot_(slot), polls_(polls) {}
  ::weft::poll<void> poll(context& cx) {
    // Counts first polls only: chaos builds repoll spuriously, and the count means "how
    // many of these futures were reached".
    if (polls_ != nullptr && !polled_) polls_->fetch_add(1);
    polled_ = true;
    if (slot_ != nullptr) slot_->store(cx.waker());
    return pending;
  }

private:
  bool polled_ = false;
  waker_slot* slot_;
  std::atomic<long>* polls_;
};

} // namespace weft::test
