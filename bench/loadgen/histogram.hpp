// bench/loadgen/histogram.hpp: a log-linear latency histogram (nanoseconds in, percentiles
// out). Each power of two is split into 32 linear sub-buckets, so a reported percentile is
// within about 3 % of the true value; recording is a few instructions and never allocates.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace loadgen {

class histogram {
public:
  void record(std::uint64_t ns) noexcept {
    ++counts_[index_of(ns)];
    ++total_;
    if (ns > max_) max_ = ns;
  }

  void reset() noexcept {
    counts_.fill(0);
    total_ = 0;
    max_ = 0;
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t max_ns() const noexcept { return max_; }

  /// The value at quantile q (0..1) in nanoseconds: the midpoint of the bucket that holds
  /// the ceil(q * count)-th smallest sample. 0 when nothing was recorded.
  [[nodiscard]] double quantile_ns(double q) const noexcept {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return midpoint_of(i);
    }
    return static_cast<double>(max_);
  }

private:
  static constexpr unsigned sub_bits = 5;
  static constexpr std::uint64_t sub = 1U << sub_bits;  // linear buckets per power of two
  static constexpr std::size_t buckets = (64 - sub_bits + 1) * sub;

  // Values below `sub` map to themselves; above, (exponent, top sub_bits of the mantissa).
  static std::size_t index_of(std::uint64_t v) noexcept {
    if (v < sub) return static_cast<std::size_t>(v);
    const unsigned e = 63U - static_cast<unsigned>(std::countl_zero(v));  // v >= 2^e
    const unsigned shift = e - sub_bits;
    return static_cast<std::size_t>((shift + 1) * sub + ((v >> shift) - sub));
  }

  static double midpoint_of(std::size_t i) noexcept {
    if (i < sub) return static_cast<double>(i);
    const std::size_t shift = i / sub - 1;
    const std::uint64_t mantissa = i % sub + sub;
    const auto lo = static_cast<double>(mantissa << shift);
    const auto hi = static_cast<double>((mantissa + 1) << shift);
    return (lo + hi) / 2;
  }

  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace loadgen
