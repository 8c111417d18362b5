// bench/baselines/common/http.hpp: the HTTP scenario's fixed answer, and a request counter
// for keep-alive connections.
//
// Every HTTP server in the benchmark (the baselines and examples/http_server.cpp) answers
// each request with exactly these bytes (documented in bench/README.md):
//
//   HTTP/1.1 200 OK\r\n
//   Content-Length: 5\r\n
//   Content-Type: text/plain\r\n
//   \r\n
//   hello
//
// The baselines do not parse requests beyond finding where each ends (the blank line after
// the headers; the load generator's GET carries no body): that is the least work an
// HTTP/1.1 keep-alive server can do, which is what a baseline is for.
#pragma once

#include <cstddef>
#include <string_view>

namespace baseline {

inline constexpr std::string_view http_response =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";

/// Counts complete requests ("\r\n\r\n"-terminated header blocks) in a byte stream that
/// arrives in arbitrary pieces. Keeps the last 3 bytes' match state across pieces.
class request_counter {
public:
  /// Feeds `n` bytes; returns how many requests ended inside them.
  std::size_t feed(const char* p, std::size_t n) noexcept {
    std::size_t done = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char ch = p[i];
      // matched_ = how many bytes of "\r\n\r\n" the stream currently ends with
      if (ch == '\r') matched_ = (matched_ == 2) ? 3 : 1;
      else if (ch == '\n' && (matched_ == 1 || matched_ == 3)) matched_ += 1;
      else matched_ = 0;
      if (matched_ == 4) {
        ++done;
        matched_ = 0;
      }
    }
    return done;
  }

private:
  unsigned matched_ = 0;
};

}  // namespace baseline
