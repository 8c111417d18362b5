// examples/http/request_parser.hpp: an incremental HTTP/1.1 request parser for the
// http_server example. Header-only, no weft dependency, so the fuzz target
// tests/fuzz/http_request_fuzz.cpp can drive it alone.
//
// Feed it the bytes received so far: it answers need_more, a request (with the bytes it
// used, body included), or an error status to send before closing: 400 (malformed), 431
// (the request line and headers exceed max_header_bytes), 413 (a body over max_body), 501
// (Transfer-Encoding, which this small server does not implement).
// The string_views in a parsed request point into the input: use them before the input
// buffer changes.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

struct limits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_headers = 64;
  std::size_t max_body = 1024 * 1024;
};

struct request {
  std::string_view method;
  std::string_view target;
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
  bool keep_alive = true;  // after Connection headers and the version's default
};

struct parse_result {
  enum class status { need_more, request, error };
  status what = status::need_more;
  request req;
  std::size_t consumed = 0;
  int error_status = 0;  // with status::error: 400, 413, 431 or 501
};

namespace detail {
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
inline bool is_token_char(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
// Whether a comma-separated header value lists `token` (e.g. Connection: keep-alive, close).
inline bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}
} // namespace detail

/// Parses one request from the front of `in`.
inline parse_result parse_request(std::string_view in, const limits& lim = {}) {
  parse_result r;
  auto fail = [&](int status) {
    r.what = parse_result::status::error;
    r.error_status = status;
    r.req = {};
    return r;
  };
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in.size() > lim.max_header_bytes) return fail(431);
    // Reject garbage early instead of waiting for a header end that never comes.
    for (char c : in.substr(0, in.find(' ')))
      if (!detail::is_token_char(c)) return fail(400);
    return r;
  }
  if (end + 4 > lim.max_header_bytes) return fail(431);
  std::string_view head = in.substr(0, end + 2);  // every line ends with CRLF

  // Request line: METHOD SP target SP HTTP/1.x
  const std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  head.remove_prefix(eol + 2);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) return fail(400);
  r.req.method = line.substr(0, sp1);
  for (char c : r.req.method)
    if (!detail::is_token_char(c)) return fail(400);
  r.req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (char c : r.req.target)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return fail(400);
  const std::string_view version = line.substr(sp2 + 1);
  if (version == "HTTP/1.1") {
    r.req.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    r.req.minor_version = 0;
    r.req.keep_alive = false;
  } else {
    return fail(400);
  }

  // Header fields: name ":" OWS value OWS CRLF
  std::size_t content_length = 0;
  bool have_length = false;
  while (!head.empty()) {
    const std::size_t e = head.find("\r\n");
    const std::string_view field = head.substr(0, e);
    head.remove_prefix(e + 2);
    const std::size_t colon = field.find(':');
    if (colon == 0 || colon == std::string_view::npos) return fail(400);
    const std::string_view name = field.substr(0, colon);
    for (char c : name)
      if (!detail::is_token_char(c)) return fail(400);
    const std::string_view value = detail::trim(field.substr(colon + 1));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7f) return fail(400);
    if (r.req.headers.size() == lim.max_headers) return fail(431);
    r.req.headers.emplace_back(name, value);

    if (detail::iequals(name, "content-length")) {
      if (value.empty() || value.size() > 12) return fail(400);
      std::size_t v = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return fail(400);
        v = v * 10 + static_cast<std::size_t>(c - '0');
      }
      if (have_length && v != content_length) return fail(400);  // conflicting lengths
      content_length = v;
      have_length = true;
    } else if (detail::iequals(name, "transfer-encoding")) {
      return fail(501);
    } else if (detail::iequals(name, "connection")) {
      if (detail::lists_token(value, "close")) r.req.keep_alive = false;
      if (detail::lists_token(value, "keep-alive")) r.req.keep_alive = true;
    }
  }
  if (content_length > lim.max_body) return fail(413);
  const std::size_t body_at = end + 4;
  if (in.size() - body_at < content_length) return r;  // need_more: the body is coming
  r.req.body = in.substr(body_at, content_length);
  r.consumed = body_at + content_length;
  r.what = parse_result::status::request;
  return r;
}

} // namespace http
