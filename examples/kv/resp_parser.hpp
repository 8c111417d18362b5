// examples/kv/resp_parser.hpp: an incremental parser for Redis protocol (RESP2) requests, as
// sent by redis-cli and redis-benchmark: arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
// and inline commands (`PING\r\n`). Header-only, no weft dependency, so the fuzz target
// tests/fuzz/resp_fuzz.cpp can drive it alone.
//
// Usage: feed it the bytes received so far; it returns need_more (keep the bytes, read more),
// a command with how many bytes it used, or an error (answer it, then close the connection:
// after a framing error the stream position is lost). Limits bound the memory one client
// can make the server hold: max_args arguments, max_bulk bytes per argument, max_inline
// bytes for an inline command line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kv {

struct resp_limits {
  std::size_t max_args = 1024;
  std::size_t max_bulk = 512 * 1024;
  std::size_t max_inline = 64 * 1024;
};

struct resp_result {
  enum class status { need_more, command, error };
  status what = status::need_more;
  std::vector<std::string> args;  // with status::command
  std::size_t consumed = 0;       // bytes of input used by the command
  std::string error;              // with status::error: the message for a RESP `-ERR ...`
};

namespace detail {
// Parses a non-negative decimal (or -1 when allow_minus_one) terminated by CRLF, starting at
// `pos`. Returns false with `need_more` set when the line is not complete yet.
inline bool parse_length(std::string_view in, std::size_t& pos, long long& out, bool& need_more,
                         std::size_t max_digits = 18) {
  need_more = false;
  const std::size_t eol = in.find("\r\n", pos);
  if (eol == std::string_view::npos) {
    // More bytes can still complete the line only if what came so far is a prefix of a valid
    // one: an optional '-', at most max_digits digits, perhaps the '\r'. The same rule as the
    // complete line below, so a command's every prefix is need_more, never an error.
    std::string_view part = in.substr(pos);
    if (!part.empty() && part.back() == '\r') part.remove_suffix(1);
    if (!part.empty() && part.front() == '-') part.remove_prefix(1);
    bool digits_only = true;
    for (char c : part) digits_only = digits_only && c >= '0' && c <= '9';
    need_more = digits_only && part.size() <= max_digits;
    return false;
  }
  std::string_view digits = in.substr(pos, eol - pos);
  bool neg = false;
  if (!digits.empty() && digits.front() == '-') {
    neg = true;
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > max_digits) return false;
  long long v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = neg ? -v : v;
  pos = eol + 2;
  return true;
}
} // namespace detail

/// Parses one request from the front of `in`.
inline resp_result parse_resp(std::string_view in, const resp_limits& lim = {}) {
  resp_result r;
  if (in.empty()) return r;
  auto fail = [&](std::string msg) {
    r.what = resp_result::status::error;
    r.args.clear();
    r.error = std::move(msg);
    return r;
  };

  if (in.front() != '*') {
    // Inline command: space-separated words up to CRLF (or LF, as telnet sends).
    const std::size_t eol = in.find('\n');
    if (eol == std::string_view::npos) {
      if (in.size() > lim.max_inline) return fail("Protocol error: too big inline request");
      return r;
    }
    if (eol > lim.max_inline) return fail("Protocol error: too big inline request");
    std::string_view line = in.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      std::size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      if (j > i) {
        if (r.args.size() == lim.max_args) return fail("Protocol error: too many arguments");
        r.args.emplace_back(line.substr(i, j - i));
      }
      i = j;
    }
    r.what = resp_result::status::command;  // an empty line is a command with no args
    r.consumed = eol + 1;
    return r;
  }

  std::size_t pos = 1;
  long long n = 0;
  bool more = false;
  if (!detail::parse_length(in, pos, n, more)) {
    if (more) return r;
    return fail("Protocol error: invalid multibulk length");
  }
  if (n < 0) {  // a null array: nothing to run
    r.what = resp_result::status::command;
    r.consumed = pos;
    return r;
  }
  if (static_cast<unsigned long long>(n) > lim.max_args)
    return fail("Protocol error: invalid multibulk length");
  r.args.reserve(static_cast<std::size_t>(n));
  for (long long a = 0; a < n; ++a) {
    if (pos >= in.size()) return resp_result{};
    if (in[pos] != '$') return fail("Protocol error: expected '$'");
    ++pos;
    long long len = 0;
    if (!detail::parse_length(in, pos, len, more)) {
      if (more) return resp_result{};
      return fail("Protocol error: invalid bulk length");
    }
    if (len < 0 || static_cast<unsigned long long>(len) > lim.max_bulk)
      return fail("Protocol error: invalid bulk length");
    const auto ulen = static_cast<std::size_t>(len);
    if (in.size() - pos < ulen + 2) return resp_result{};
    if (in[pos + ulen] != '\r' || in[pos + ulen + 1] != '\n')
      return fail("Protocol error: bulk string not terminated by CRLF");
    r.args.emplace_back(in.substr(pos, ulen));
    pos += ulen + 2;
  }
  r.what = resp_result::status::command;
  r.consumed = pos;
  return r;
}

// Reply encoders (RESP2).
inline void put_simple(std::string& out, std::string_view s) {
  out += '+';
  out += s;
  out += "\r\n";
}
inline void put_error(std::string& out, std::string_view s) {
  out += '-';
  out += s;
  out += "\r\n";
}
inline void put_int(std::string& out, long long v) {
  out += ':';
  out += std::to_string(v);
  out += "\r\n";
}
inline void put_bulk(std::string& out, std::string_view s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
}
inline void put_null(std::string& out) { out += "$-1\r\n"; }
inline void put_array_header(std::string& out, std::size_t n) {
  out += '*';
  out += std::to_string(n);
  out += "\r\n";
}

} // namespace kv
