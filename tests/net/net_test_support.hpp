// tests/net/net_test_support.hpp: helpers of the net tests: a byte pattern and its hash, the
// long-test switch (WEFT_LONG_TESTS=1), an echo server task, and a SIGPIPE-at-default guard.
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "weft/net.hpp"
#include "weft/weft.hpp"

namespace weft::test {

inline bool long_tests() {
  const char* v = std::getenv("WEFT_LONG_TESTS");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

/// Byte `i` of stream `seed`: a cheap xorshift, so each client's bytes differ.
inline void fill_pattern(std::span<std::byte> out, std::uint64_t seed, std::uint64_t offset) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull ^ seed;
    x ^= x >> 29;
    out[i] = std::byte(static_cast<unsigned char>(x));
  }
}

/// FNV-1a, continued over chunks.
struct fnv1a {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void add(std::span<const std::byte> b) {
    for (std::byte c : b) {
      h ^= static_cast<std::uint64_t>(c);
      h *= 0x100000001b3ull;
    }
  }
};

inline std::uint64_t pattern_hash(std::uint64_t seed, std::size_t n) {
  std::vector<std::byte> buf(64 * 1024);
  fnv1a f;
  for (std::size_t off = 0; off < n; off += buf.size()) {
    const std::size_t k = std::min(buf.size(), n - off);
    fill_pattern(std::span(buf).first(k), seed, off);
    f.add(std::span(buf).first(k));
  }
  return f.h;
}

/// Echoes everything until EOF or an error.
template <class Stream> task<void> echo_conn(Stream s) {
  std::vector<std::byte> buf(16 * 1024);
  for (;;) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) co_return;
    if (!co_await s.write_all(std::span(buf).first(*n))) co_return;
  }
}

/// Restores SIGPIPE to its default action for the scope (a send that raised it would kill
/// the test process).
class sigpipe_default {
public:
  sigpipe_default() { old_ = std::signal(SIGPIPE, SIG_DFL); }
  ~sigpipe_default() { std::signal(SIGPIPE, old_); }
  sigpipe_default(const sigpipe_default&) = delete;
  sigpipe_default& operator=(const sigpipe_default&) = delete;

private:
  void (*old_)(int) = nullptr;
};

} // namespace weft::test
