// weft/detail/chaos.hpp: the seeded randomness of a chaos build (WEFT_CHAOS): the process
// seed (from WEFT_CHAOS_SEED, printed once), a per-thread generator drawn from it, and the
// random yields and short sleeps the atomics shim injects at its points. Without WEFT_CHAOS
// every function here is a constexpr no-op, so runtime code may call them unconditionally:
// `if (detail::chaos_one_in(4)) ...` compiles to nothing in a normal build.
// Not here: the shim itself (atomic.hpp), the model checker's hooks (shim_hooks.hpp).
//
// Protocol: the seed is read once (a function-local static: thread-safe initialization).
// Each thread's generator is a trivially destructible thread_local, seeded on first use with
// seed ^ mix(ordinal), where the ordinal counts threads in the order they first draw. A chaos
// run is not deterministic (the OS still schedules threads); the seed fixes each thread's
// sequence of decisions, which makes a failure likely, not certain, to recur.
#pragma once

#include <cstdint>

#ifdef WEFT_CHAOS
#include <atomic>  // the shim's own counter; weft code gets atomics from atomic.hpp
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>
#endif

namespace weft::detail {

#ifdef WEFT_CHAOS

inline constexpr bool chaos_enabled = true;

inline std::uint64_t chaos_mix(std::uint64_t x) noexcept {
  // splitmix64 finalizer: distinct inputs give well-spread, distinct outputs.
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// The process's chaos seed: WEFT_CHAOS_SEED if set (decimal), else drawn from the clock.
/// Printed to stderr once, so any failing run names the seed that replays it.
inline std::uint64_t chaos_seed() noexcept {
  static const std::uint64_t seed = [] {
    std::uint64_t s = 0;
    const char* env = std::getenv("WEFT_CHAOS_SEED");
    if (env != nullptr && *env != '\0') {
      s = std::strtoull(env, nullptr, 10);
    } else {
      timespec ts{};
      ::clock_gettime(CLOCK_REALTIME, &ts);
      s = chaos_mix(static_cast<std::uint64_t>(ts.tv_nsec) ^
                    (static_cast<std::uint64_t>(ts.tv_sec) << 20)) %
          1'000'000'000ull;
    }
    std::fprintf(stderr, "weft: chaos build, seed %llu (replay: WEFT_CHAOS_SEED=%llu)\n",
                 static_cast<unsigned long long>(s), static_cast<unsigned long long>(s));
    return s;
  }();
  return seed;
}

/// The next number of the calling thread's generator (xorshift64*).
inline std::uint64_t chaos_next() noexcept {
  static constinit std::atomic<std::uint64_t> ordinals{0};
  thread_local constinit std::uint64_t state = 0;
  if (state == 0) {
    // relaxed: only distinctness of the ordinals matters.
    const std::uint64_t ordinal = ordinals.fetch_add(1, std::memory_order_relaxed);
    state = chaos_mix(chaos_seed() ^ chaos_mix(ordinal)) | 1u;
  }
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dull;
}

/// A uniform number in [0, n), n > 0.
inline std::uint32_t chaos_below(std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>(((chaos_next() >> 32) * n) >> 32);
}

/// True with probability 1/n.
inline bool chaos_one_in(std::uint32_t n) noexcept { return chaos_below(n) == 0; }

/// What a shim point does in a chaos build: usually nothing, a yield one time in 16, and a
/// sleep of 20-200 us one time in 2048 (long enough for the other core to run a while).
inline void chaos_delay() noexcept {
  const std::uint64_t r = chaos_next();
  if ((r & 15u) != 0) return;
  if (((r >> 4) & 127u) == 0) {
    timespec ts{0, static_cast<long>(20'000 + ((r >> 11) % 180'000))};
    ::nanosleep(&ts, nullptr);
    return;
  }
  std::this_thread::yield();
}

#else

inline constexpr bool chaos_enabled = false;
constexpr std::uint64_t chaos_seed() noexcept { return 0; }
constexpr std::uint64_t chaos_next() noexcept { return 0; }
constexpr std::uint32_t chaos_below(std::uint32_t) noexcept { return 0; }
constexpr bool chaos_one_in(std::uint32_t) noexcept { return false; }
constexpr void chaos_delay() noexcept {}

#endif

} // namespace weft::detail
