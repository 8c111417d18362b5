// weft/stream/adaptor.hpp: the pipe composition style used by every stream adaptor:
// `s | map(f) | take(10)`. An adaptor function (map, take, fold, ...) returns an
// `adaptor<Fn>`; `stream | adaptor` calls Fn with the stream. Not here: the adaptors.
#pragma once

#include <type_traits>
#include <utility>

#include "weft/stream/async_stream.hpp"

namespace weft::stream {

/// A pending application of an adaptor: `s | a` is `a.fn(s)`. An lvalue stream on the left
/// is borrowed (it must outlive the result), an rvalue is moved in.
template <class Fn> struct adaptor {
  Fn fn;
};
template <class Fn> adaptor(Fn) -> adaptor<Fn>;

/// Applies an adaptor to a stream (found by argument-dependent lookup on `adaptor`).
template <class S, class Fn>
  requires async_stream<std::remove_reference_t<S>>
auto operator|(S&& s, adaptor<Fn> a) {
  return std::move(a.fn)(std::forward<S>(s));
}

} // namespace weft::stream
