// tests/fuzz/fuzz_input.hpp: what every fuzz target shares: a reader that turns the fuzzer's
// bytes into choices (running out of bytes reads zeros, so every input is valid), and
// FUZZ_CHECK, which reports a broken oracle and aborts (libFuzzer then saves the input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace weft::fuzz {

class input {
public:
  input(const std::uint8_t* data, std::size_t size) noexcept : bytes_(data, size) {}

  [[nodiscard]] bool empty() const noexcept { return pos_ >= bytes_.size(); }
  [[nodiscard]] std::size_t left() const noexcept {
    return empty() ? 0 : bytes_.size() - pos_;
  }

  std::uint8_t byte() noexcept { return empty() ? 0 : bytes_[pos_++]; }
  /// A number in [0, n), n > 0, from one byte (n <= 256) or more.
  std::uint32_t below(std::uint32_t n) noexcept {
    if (n <= 256) return byte() % n;
    return u32() % n;
  }
  std::uint32_t u32() noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  std::uint64_t u64() noexcept { return (std::uint64_t{u32()} << 32) | u32(); }

private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

[[noreturn]] inline void check_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "weft fuzz: oracle `%s` broken (%s:%d)\n", expr, file, line);
  std::abort();
}

} // namespace weft::fuzz

/// Checks an oracle in every build (NDEBUG or not).
#define FUZZ_CHECK(cond)                                                                           \
  ((cond) ? static_cast<void>(0) : ::weft::fuzz::check_failed(#cond, __FILE__, __LINE__))
