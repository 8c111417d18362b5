// weft/stream/async_stream.hpp: the stream concept: anything with
// `poll_next(context&) -> poll<std::optional<T>>`, an asynchronous sequence of T. Also the
// item trait. Not here: adaptors (one per header beside this one) or `next` (next.hpp).
//
// The contract (the stream counterpart of the future contract in core/future.hpp):
// - `pending` means the stream arranged for `cx.waker()` to be woken when it can make
//   progress (or woke it already);
// - `ready(T)` is the next item; `ready(std::nullopt)` means the stream ended;
// - once a stream ended it should not be polled again (every weft stream answers
//   `std::nullopt` again if it is, but that is not required of foreign streams);
// - once polled it does not move (adaptors hold their inner stream in place);
// - spurious polls must be harmless.
//
// The concept is `async_stream`, not `stream`: `weft::stream` is the namespace.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/core/poll.hpp"

namespace weft::stream {

namespace detail {
template <class P> struct optional_poll : std::false_type {};
template <class T> struct optional_poll<::weft::poll<std::optional<T>>> : std::true_type {
  using item = T;
};
template <class P>
concept optional_poll_type = optional_poll<std::remove_cvref_t<P>>::value;
} // namespace detail

/// Satisfied by anything that can be polled for its next item with a context.
template <class S>
concept async_stream = requires(S& s, context& cx) {
  { s.poll_next(cx) } -> detail::optional_poll_type;
};

/// The item type of stream S.
template <class S>
using stream_item_t = typename detail::optional_poll<
    decltype(std::declval<std::remove_reference_t<S>&>().poll_next(std::declval<context&>()))>::item;

/// The poll answer of a stream of T.
template <class T> using poll_item = ::weft::poll<std::optional<T>>;

namespace detail {
/// `return item<T>(args...)`: a ready poll holding the next item, built in place.
template <class T, class... Args> poll_item<T> item(Args&&... args) {
  return poll_item<T>(std::in_place, std::in_place, std::forward<Args>(args)...);
}
/// `return end<T>()`: a ready poll saying the stream ended.
template <class T> poll_item<T> end() { return poll_item<T>(std::in_place, std::nullopt); }

/// How an adaptor holds the stream it was given: an lvalue is borrowed (held by reference;
/// it must outlive the adaptor), an rvalue is moved in.
template <class S>
using stored_t =
    std::conditional_t<std::is_lvalue_reference_v<S>, S, std::remove_cvref_t<S>>;

/// Holds a stream as stored_t says (a reference or a value) inside a lambda capture.
template <class S> struct holder {
  S s;
};

/// Builds F in place from a call (guaranteed elision), so futures that cannot move can be
/// emplaced into an optional: `opt.emplace(emplace_call{[&] { return f(x); }})`.
template <class Fn> struct emplace_call {
  Fn fn;
  operator std::invoke_result_t<Fn&>() { return fn(); }
};
template <class Fn> emplace_call(Fn) -> emplace_call<Fn>;
} // namespace detail

} // namespace weft::stream
