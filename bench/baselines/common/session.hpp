// bench/baselines/common/session.hpp: what a baseline server answers, apart from how it
// moves bytes. A server loop owns one session per connection and asks it three things:
//
//   recv_space()    where the next received bytes go
//   received(n)     n bytes arrived there: the bytes to send back now (may be empty)
//   more()          the previous answer was sent in full: anything further to send
//
// echo_session answers with the received bytes themselves (one buffer, no copy);
// http_session answers each complete request with baseline::http_response. The server
// programs pick one at compile time (BASELINE_HTTP), so the echo loop pays for nothing.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "http.hpp"
#include "listener.hpp"

namespace baseline {

class echo_session {
public:
  std::span<char> recv_space() noexcept { return buf_; }
  std::string_view received(std::size_t n) noexcept { return {buf_.data(), n}; }
  static std::string_view more() noexcept { return {}; }

private:
  std::array<char, buffer_size> buf_;
};

class http_session {
public:
  std::span<char> recv_space() noexcept { return buf_; }
  std::string_view received(std::size_t n) noexcept {
    pending_ += requests_.feed(buf_.data(), n);
    return more();
  }
  /// Up to `batch` answers at once, from one shared read-only block of copies.
  std::string_view more() noexcept {
    const std::size_t k = std::min(pending_, batch);
    pending_ -= k;
    return {answers().data(), k * http_response.size()};
  }

private:
  static constexpr std::size_t batch = 64;
  static const std::array<char, batch * http_response.size()>& answers() noexcept {
    static const auto block = [] {
      std::array<char, batch * http_response.size()> b{};
      for (std::size_t i = 0; i < batch; ++i)
        std::copy(http_response.begin(), http_response.end(),
                  b.begin() + static_cast<std::ptrdiff_t>(i * http_response.size()));
      return b;
    }();
    return block;
  }

  std::array<char, buffer_size> buf_;
  request_counter requests_;
  std::size_t pending_ = 0;
};

#ifdef BASELINE_HTTP
using session = http_session;
#else
using session = echo_session;
#endif

}  // namespace baseline
