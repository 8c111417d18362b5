// weft/stream/async_write.hpp: the byte-sink concept buffered_writer writes to: anything
// with `write(std::span<const std::byte>)` returning a future of `result<std::size_t>` (the
// count accepted, possibly short).
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>

#include "weft/core/future.hpp"
#include "weft/core/result.hpp"

namespace weft::stream {

/// Satisfied by byte sinks: `w.write(buf)` is a future of result<size_t>, how many bytes
/// from the front of `buf` were accepted (may be fewer than buf.size()).
template <class W>
concept async_write = requires(W& w, std::span<const std::byte> buf) {
  { w.write(buf) } -> future;
  requires std::is_same_v<future_output_t<decltype(w.write(buf))>, result<std::size_t>>;
};

} // namespace weft::stream
