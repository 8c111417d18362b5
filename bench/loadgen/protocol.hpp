// bench/loadgen/protocol.hpp: what one connection sends and when its answer is complete.
//
//   echo  a message of S bytes: a position-dependent pattern unique to the connection, with
//         the message's sequence number stamped into its first and last 8 bytes; the answer
//         is complete after S bytes and must equal the message byte for byte (so a server
//         that drops, reorders, duplicates or returns stale bytes is caught).
//   http  "GET / HTTP/1.1" with a Host header (keep-alive is HTTP/1.1's default); the
//         answer is complete after the header block plus Content-Length body bytes, and
//         must start "HTTP/1.1 200". Any byte beyond one answer is an error: exactly one
//         request is in flight per connection.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "options.hpp"

namespace loadgen {

inline constexpr std::string_view http_request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

enum class verdict { need_more, complete, bad };

class protocol {
public:
  protocol(loadgen::mode m, int size, int conn_id) : mode_(m) {
    if (mode_ == mode::http) {
      request_.assign(http_request.begin(), http_request.end());
      reply_capacity_ = 16384;
    } else {
      request_.resize(static_cast<std::size_t>(size));
      for (std::size_t i = 0; i < request_.size(); ++i)
        request_[i] = static_cast<char>((i * 7 + static_cast<std::size_t>(conn_id) * 13) & 0xff);
      reply_capacity_ = request_.size();
    }
  }

  /// Prepares message number `seq` and returns it (stable until the next call).
  std::string_view next_request(std::uint64_t seq) {
    if (mode_ == mode::echo) {
      std::memcpy(request_.data(), &seq, sizeof seq);
      std::memcpy(request_.data() + request_.size() - sizeof seq, &seq, sizeof seq);
    }
    return {request_.data(), request_.size()};
  }

  /// The most bytes one answer may take (the receive buffer size).
  [[nodiscard]] std::size_t reply_capacity() const noexcept { return reply_capacity_; }

  /// How many more bytes to ask for when `got` bytes of the answer are in.
  [[nodiscard]] std::size_t want(std::size_t got) const noexcept { return reply_capacity_ - got; }

  /// Judges the first `got` received bytes of the answer to the current request.
  verdict check(const char* reply, std::size_t got) const {
    if (mode_ == mode::echo) {
      if (got < request_.size()) return verdict::need_more;
      return got == request_.size() && std::memcmp(reply, request_.data(), got) == 0
                 ? verdict::complete
                 : verdict::bad;
    }
    const std::string_view r(reply, got);
    const auto end = r.find("\r\n\r\n");
    if (end == std::string_view::npos)
      return got >= reply_capacity_ ? verdict::bad : verdict::need_more;
    if (!r.starts_with("HTTP/1.1 200")) return verdict::bad;
    const std::size_t head = end + 4;
    const std::size_t body = content_length(r.substr(0, head));
    if (body == npos) return verdict::bad;
    if (got < head + body) return head + body > reply_capacity_ ? verdict::bad : verdict::need_more;
    return got == head + body ? verdict::complete : verdict::bad;
  }

private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // The value of the Content-Length header (case-insensitive name), npos if absent or bad.
  static std::size_t content_length(std::string_view head) {
    constexpr std::string_view name = "\r\ncontent-length:";
    auto lower_eq = [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == static_cast<unsigned char>(b);
    };
    const auto it = std::search(head.begin(), head.end(), name.begin(), name.end(), lower_eq);
    if (it == head.end()) return npos;
    std::size_t i = static_cast<std::size_t>(it - head.begin()) + name.size();
    while (i < head.size() && head[i] == ' ') ++i;
    std::size_t n = 0, digits = 0;
    for (; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i, ++digits)
      n = n * 10 + static_cast<std::size_t>(head[i] - '0');
    return digits == 0 || digits > 9 ? npos : n;
  }

  loadgen::mode mode_;
  std::vector<char> request_;
  std::size_t reply_capacity_ = 0;
};

}  // namespace loadgen
