// tests/net/net_test_support.hpp: helpers of the net tests: a byte pattern and its hash, the
// long-test switch (WEFT_LONG_TESTS=1), an echo server task, and a SIGPIPE-at-default guard.
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <algorithm>
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

/// Bytes [offset, offset + out.size()) of stream `seed`: each 8-byte word is a mix of its
/// index and the seed, so streams differ and any shift or loss changes the hash.
inline std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t w) {
  std::uint64_t x = (w + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  return x ^ (x >> 29);
}
inline void fill_pattern(std::span<std::byte> out, std::uint64_t seed, std::uint64_t offset) {
  std::size_t i = 0;
  while (i < out.size()) {
    const std::uint64_t pos = offset + i;
    const std::uint64_t w = pattern_word(seed, pos / 8);
    const std::size_t in_word = pos % 8;
    const std::size_t k = std::min<std::size_t>(8 - in_word, out.size() - i);
    std::memcpy(out.data() + i, reinterpret_cast<const unsigned char*>(&w) + in_word, k);
    i += k;
  }
}

/// A hash over a byte stream that is independent of how it is chunked: whole 8-byte words
/// are mixed one at a time (the tail is carried into the next chunk).
struct fnv1a {
  std::uint64_t h = 0xcbf29ce484222325ull;
  unsigned char carry[8] = {};
  std::size_t carried = 0;
  void word(std::uint64_t w) {
    h ^= w;
    h *= 0x100000001b3ull;
    h ^= h >> 32;
  }
  void add(std::span<const std::byte> b) {
    std::size_t i = 0;
    while (carried != 0 && i < b.size()) {
      carry[carried++] = static_cast<unsigned char>(b[i++]);
      if (carried == 8) {
        std::uint64_t w;
        std::memcpy(&w, carry, 8);
        word(w);
        carried = 0;
      }
    }
    for (; i + 8 <= b.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, b.data() + i, 8);
      word(w);
    }
    for (; i < b.size(); ++i) carry[carried++] = static_cast<unsigned char>(b[i]);
  }
  [[nodiscard]] std::uint64_t digest() const {
    fnv1a c = *this;
    for (std::size_t i = 0; i < c.carried; ++i) c.word(c.carry[i] | 0x100u);
    c.word(0xfeed);
    return c.h;
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
  return f.digest();
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
