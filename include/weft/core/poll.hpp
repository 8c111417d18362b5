// weft/core/poll.hpp: poll<T>, the answer of one poll of a future: ready with a value,
// or pending. Also the `ready(v)` / `pending` spellings that build one.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/config.hpp"

namespace weft {

/// Tag meaning "not ready yet"; converts to any `poll<T>`.
struct pending_t {
  explicit constexpr pending_t() = default;
};
/// `return weft::pending;` from a poll function.
inline constexpr pending_t pending{};

/// A value on its way into a `poll<T>` (or a future that is ready at once: see ready.hpp).
/// It is also a future that is ready on its first poll (`co_await weft::ready(5)`).
template <class T> class poll;

template <class T> struct ready_value {
  T value;
  template <class Cx> ::weft::poll<T> poll(Cx&) {
    return ::weft::poll<T>(std::in_place, std::move(value));
  }
};
template <> struct ready_value<void> {
  template <class Cx> ::weft::poll<void> poll(Cx&) const noexcept;
};

/// `return weft::ready(v);` from a poll function.
template <class T> constexpr ready_value<std::decay_t<T>> ready(T&& v) {
  return ready_value<std::decay_t<T>>{std::forward<T>(v)};
}
/// `return weft::ready();` from a poll function returning `poll<void>`.
constexpr ready_value<void> ready() noexcept { return {}; }

/// The outcome of polling a future once.
template <class T> class [[nodiscard]] poll {
public:
  using value_type = T;

  constexpr poll(pending_t) noexcept {}
  template <class U>
    requires std::is_constructible_v<T, U&&>
  constexpr poll(ready_value<U>&& r) : value_(std::in_place, std::move(r.value)) {}
  template <class... Args>
  constexpr explicit poll(std::in_place_t, Args&&... args)
      : value_(std::in_place, std::forward<Args>(args)...) {}

  [[nodiscard]] constexpr bool is_ready() const noexcept { return value_.has_value(); }
  [[nodiscard]] constexpr bool is_pending() const noexcept { return !value_.has_value(); }
  constexpr explicit operator bool() const noexcept { return is_ready(); }

  /// Preconditions: is_ready().
  constexpr T& operator*() & noexcept {
    WEFT_ASSERT(is_ready(), "dereferenced a pending poll");
    return *value_;
  }
  constexpr T&& operator*() && noexcept {
    WEFT_ASSERT(is_ready(), "dereferenced a pending poll");
    return std::move(*value_);
  }
  constexpr T* operator->() noexcept { return &*value_; }
  /// Moves the value out. Preconditions: is_ready().
  constexpr T take() {
    WEFT_ASSERT(is_ready(), "took from a pending poll");
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
};

template <> class [[nodiscard]] poll<void> {
public:
  using value_type = void;

  constexpr poll(pending_t) noexcept {}
  constexpr poll(ready_value<void>) noexcept : ready_(true) {}
  constexpr explicit poll(std::in_place_t) noexcept : ready_(true) {}

  [[nodiscard]] constexpr bool is_ready() const noexcept { return ready_; }
  [[nodiscard]] constexpr bool is_pending() const noexcept { return !ready_; }
  constexpr explicit operator bool() const noexcept { return ready_; }
  constexpr void take() const noexcept {
    WEFT_ASSERT(ready_, "took from a pending poll");
  }

private:
  bool ready_ = false;
};

/// `poll<T&>`: a ready reference (the output of a `task<T&>`).
template <class T> class [[nodiscard]] poll<T&> {
public:
  using value_type = T&;

  constexpr poll(pending_t) noexcept {}
  constexpr poll(ready_value<std::reference_wrapper<T>>&& r) noexcept : ptr_(&r.value.get()) {}
  constexpr explicit poll(std::in_place_t, T& v) noexcept : ptr_(&v) {}

  [[nodiscard]] constexpr bool is_ready() const noexcept { return ptr_ != nullptr; }
  [[nodiscard]] constexpr bool is_pending() const noexcept { return ptr_ == nullptr; }
  constexpr explicit operator bool() const noexcept { return is_ready(); }
  constexpr T& operator*() const noexcept {
    WEFT_ASSERT(is_ready(), "dereferenced a pending poll");
    return *ptr_;
  }
  constexpr T& take() const noexcept { return **this; }

private:
  T* ptr_ = nullptr;
};

template <class Cx> ::weft::poll<void> ready_value<void>::poll(Cx&) const noexcept {
  return ::weft::poll<void>(std::in_place);
}

namespace detail {
template <class T> struct is_poll : std::false_type {};
template <class T> struct is_poll<poll<T>> : std::true_type {};
} // namespace detail

/// Satisfied by `poll<T>` for any T.
template <class P>
concept poll_type = detail::is_poll<std::remove_cvref_t<P>>::value;

} // namespace weft
