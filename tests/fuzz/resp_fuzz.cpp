// tests/fuzz/resp_fuzz.cpp: fuzzes the kv_server example's RESP request parser
// (examples/kv/resp_parser.hpp) with arbitrary bytes, under small limits so the limit paths
// are reached.
// Oracles: no crash / UB / leak (ASan, UBSan); a parsed command used 1..size bytes and obeys
// the limits; an array command is not complete before its last byte (each shorter prefix
// tried is need_more); re-encoding its arguments as a RESP array parses back to the same
// arguments using every byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../../examples/kv/resp_parser.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  kv::resp_limits lim;
  lim.max_args = 16;
  lim.max_bulk = 256;
  lim.max_inline = 512;

  const kv::resp_result r = kv::parse_resp(in, lim);
  if (r.what != kv::resp_result::status::command) return 0;
  FUZZ_CHECK(r.consumed >= 1 && r.consumed <= size);
  FUZZ_CHECK(r.args.size() <= lim.max_args);
  for (const auto& a : r.args) FUZZ_CHECK(a.size() <= lim.max_bulk || in.front() != '*');

  if (in.front() == '*') {
    for (std::size_t cut : {r.consumed - 1, r.consumed / 2, std::size_t{1}}) {
      if (cut == 0 || cut >= r.consumed) continue;
      FUZZ_CHECK(kv::parse_resp(in.substr(0, cut), lim).what == kv::resp_result::status::need_more);
    }
  }

  std::string enc;
  kv::put_array_header(enc, r.args.size());
  for (const auto& a : r.args) kv::put_bulk(enc, a);
  kv::resp_limits big;  // inline args may exceed max_bulk; re-parse without that limit
  const kv::resp_result back = kv::parse_resp(enc, big);
  FUZZ_CHECK(back.what == kv::resp_result::status::command);
  FUZZ_CHECK(back.consumed == enc.size());
  FUZZ_CHECK(back.args == r.args);
  return 0;
}
