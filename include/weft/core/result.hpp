// weft/core/result.hpp: result<T>, an expected I/O outcome: a value or a std::error_code.
// `.value()` throws std::system_error. Cancellation is not an error and never appears here.
#pragma once

#include <cerrno>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/config.hpp"

namespace weft {

/// Builds an error_code in the system category from an errno value (positive).
inline std::error_code make_error(int err) noexcept {
  return {err, std::system_category()};
}

/// A value of type T or an error_code. Converts to true when it holds a value.
template <class T> class [[nodiscard]] result {
public:
  using value_type = T;

  template <class U = T>
    requires(std::is_constructible_v<T, U &&> &&
             !std::is_same_v<std::remove_cvref_t<U>, result> &&
             !std::is_same_v<std::remove_cvref_t<U>, std::error_code>)
  result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}
  result(std::error_code ec) noexcept : v_(std::in_place_index<1>, ec) {
    WEFT_ASSERT(ec, "a result error must be an error");
  }
  result(std::errc e) noexcept : result(std::make_error_code(e)) {}
  template <class... Args>
  explicit result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value, or throws std::system_error with the error.
  T& value() & {
    check();
    return std::get<0>(v_);
  }
  const T& value() const& {
    check();
    return std::get<0>(v_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(v_));
  }
  template <class U> T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

  /// Preconditions: has_value().
  T& operator*() & noexcept {
    WEFT_ASSERT(has_value(), "dereferenced an error result");
    return *std::get_if<0>(&v_);
  }
  const T& operator*() const& noexcept {
    WEFT_ASSERT(has_value(), "dereferenced an error result");
    return *std::get_if<0>(&v_);
  }
  T&& operator*() && noexcept {
    WEFT_ASSERT(has_value(), "dereferenced an error result");
    return std::move(*std::get_if<0>(&v_));
  }
  T* operator->() noexcept { return &**this; }
  const T* operator->() const noexcept { return &**this; }

  /// The error; a default (success) error_code when holding a value.
  [[nodiscard]] std::error_code error() const noexcept {
    const std::error_code* ec = std::get_if<1>(&v_);
    return ec != nullptr ? *ec : std::error_code{};
  }

private:
  void check() const {
    if (const std::error_code* ec = std::get_if<1>(&v_)) WEFT_THROW(std::system_error(*ec));
  }
  std::variant<T, std::error_code> v_;
};

template <> class [[nodiscard]] result<void> {
public:
  using value_type = void;

  result() noexcept = default;
  result(std::error_code ec) noexcept : ec_(ec) {}
  result(std::errc e) noexcept : ec_(std::make_error_code(e)) {}
  explicit result(std::in_place_t) noexcept {}

  [[nodiscard]] bool has_value() const noexcept { return !ec_; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (ec_) WEFT_THROW(std::system_error(ec_));
  }
  void operator*() const noexcept {}
  [[nodiscard]] std::error_code error() const noexcept { return ec_; }

private:
  std::error_code ec_;
};

namespace detail {
template <class T> struct is_result : std::false_type {};
template <class T> struct is_result<result<T>> : std::true_type {};
} // namespace detail

} // namespace weft
