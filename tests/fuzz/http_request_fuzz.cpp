// tests/fuzz/http_request_fuzz.cpp: fuzzes the http_server example's request parser
// (examples/http/request_parser.hpp) with arbitrary bytes, under small limits so the 431 and
// 413 paths are reached.
// Oracles: no crash / UB / leak (ASan, UBSan); a parsed request used 1..size bytes, every
// view it holds lies inside the input, its body is exactly Content-Length bytes long, and
// it is not complete before its last byte (the prefix one byte shorter is need_more);
// errors are one of 400/413/431/501; parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../../examples/http/request_parser.hpp"
#include "fuzz/fuzz_input.hpp"

namespace {
bool inside(std::string_view outer, std::string_view v) {
  return v.empty() || (v.data() >= outer.data() && v.data() + v.size() <= outer.data() + outer.size());
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  http::limits lim;
  lim.max_header_bytes = 1024;
  lim.max_headers = 8;
  lim.max_body = 256;

  const http::parse_result r = http::parse_request(in, lim);
  const http::parse_result again = http::parse_request(in, lim);
  FUZZ_CHECK(r.what == again.what && r.consumed == again.consumed &&
             r.error_status == again.error_status);
  if (r.what == http::parse_result::status::error) {
    FUZZ_CHECK(r.error_status == 400 || r.error_status == 413 || r.error_status == 431 ||
               r.error_status == 501);
    return 0;
  }
  if (r.what == http::parse_result::status::need_more) {
    FUZZ_CHECK(r.consumed == 0);
    return 0;
  }
  FUZZ_CHECK(r.consumed >= 1 && r.consumed <= size);
  const std::string_view used = in.substr(0, r.consumed);
  FUZZ_CHECK(inside(used, r.req.method) && inside(used, r.req.target) && inside(used, r.req.body));
  FUZZ_CHECK(!r.req.method.empty() && !r.req.target.empty());
  FUZZ_CHECK(r.req.headers.size() <= lim.max_headers);
  FUZZ_CHECK(r.req.body.size() <= lim.max_body);
  for (const auto& [name, value] : r.req.headers) FUZZ_CHECK(inside(used, name) && inside(used, value));
  FUZZ_CHECK(r.req.body.data() + r.req.body.size() == used.data() + used.size() ||
             r.req.body.empty());
  const auto shorter = http::parse_request(in.substr(0, r.consumed - 1), lim);
  FUZZ_CHECK(shorter.what != http::parse_result::status::request);
  return 0;
}
