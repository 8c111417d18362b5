// weft/stream/async_read.hpp: the byte-source concept buffered_reader reads from: anything
// with `read(std::span<std::byte>)` returning a future of `result<std::size_t>` (0 = end of
// stream). Sockets, files, pipes (through weft::io::read) and test fakes all fit.
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>

#include "weft/core/future.hpp"
#include "weft/core/result.hpp"

namespace weft::stream {

/// Satisfied by byte sources: `r.read(buf)` is a future of result<size_t>, the count read
/// into the front of `buf` (0 at end of stream, or when `buf` is empty).
template <class R>
concept async_read = requires(R& r, std::span<std::byte> buf) {
  { r.read(buf) } -> future;
  requires std::is_same_v<future_output_t<decltype(r.read(buf))>, result<std::size_t>>;
};

} // namespace weft::stream
