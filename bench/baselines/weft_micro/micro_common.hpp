// bench/baselines/weft_micro/micro_common.hpp: what the weft micro programs share with
// each other and with their Tokio twins (bench/baselines/tokio/src/bin/tokio_micro.rs):
// the flavour names, the xorshift sequence, peak RSS, and the one output line
//   metric=X unit=Y [rss_kb=Z]
// that bench/run parses.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <weft/weft.hpp>

namespace micro {

/// ct: current-thread runtime; mt1 / mt2: the multi-thread runtime with 1 or 2 workers.
inline weft::runtime make_runtime(std::string_view flavour) {
  if (flavour == "ct") return weft::runtime::builder().current_thread().build();
  if (flavour == "mt1") return weft::runtime::builder().workers(1).build();
  if (flavour == "mt2") return weft::runtime::builder().workers(2).build();
  std::fprintf(stderr, "unknown flavour '%.*s' (ct | mt1 | mt2)\n",
               static_cast<int>(flavour.size()), flavour.data());
  std::exit(2);
}

/// The pseudo-random sequence both sides use: xorshift64 from 0x9E3779B97F4A7C15.
class xorshift64 {
public:
  std::uint64_t next() noexcept {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }

private:
  std::uint64_t s_ = 0x9E3779B97F4A7C15ULL;
};

/// VmHWM of this process in KiB (peak resident set).
inline long peak_rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

using clock = std::chrono::steady_clock;

inline double ns_since(clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(clock::now() - t0).count();
}

inline void print(double metric, const char* unit, long rss_kb = -1) {
  if (rss_kb >= 0) std::printf("metric=%.1f unit=%s rss_kb=%ld\n", metric, unit, rss_kb);
  else std::printf("metric=%.1f unit=%s\n", metric, unit);
}

[[noreturn]] inline void usage(const char* argv0, const char* benches) {
  std::fprintf(stderr, "usage: %s %s ct|mt1|mt2\n", argv0, benches);
  std::exit(2);
}

}  // namespace micro
