// weft/task/join_result.hpp: join_result<T>, the outcome of a spawned task as its join
// handle sees it: a value, the exception the task threw, or cancelled. Cancellation is its
// own outcome, never an error.
#pragma once

#include <exception>
#include <functional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/config.hpp"

namespace weft {

/// Thrown by `co_await handle` when the task was aborted (cancelled) instead of finishing.
class cancelled_error : public std::runtime_error {
public:
  cancelled_error() : std::runtime_error("weft: the task was cancelled") {}
};

/// Tag for the cancelled outcome.
struct cancelled_t {
  explicit constexpr cancelled_t() = default;
};
inline constexpr cancelled_t cancelled{};

namespace detail {
template <class T> struct output_slot {
  using type = T;
};
template <> struct output_slot<void> {
  using type = std::monostate;
};
template <class T> struct output_slot<T&> {
  using type = std::reference_wrapper<T>;
};
template <class T> using output_slot_t = typename output_slot<T>::type;
} // namespace detail

/// The outcome of a task: value, exception, or cancelled.
template <class T> class join_result {
public:
  join_result() noexcept : v_(std::in_place_index<2>) {}
  explicit join_result(cancelled_t) noexcept : v_(std::in_place_index<2>) {}
  explicit join_result(std::exception_ptr e) noexcept : v_(std::in_place_index<1>, std::move(e)) {}
  template <class... Args>
  explicit join_result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  [[nodiscard]] bool is_ok() const noexcept { return v_.index() == 0; }
  [[nodiscard]] bool is_exception() const noexcept { return v_.index() == 1; }
  [[nodiscard]] bool is_cancelled() const noexcept { return v_.index() == 2; }

  /// The exception, or null.
  [[nodiscard]] std::exception_ptr exception() const noexcept {
    return is_exception() ? std::get<1>(v_) : nullptr;
  }
  /// The stored exception itself (not a copy), or null.
  [[nodiscard]] const std::exception_ptr* exception_if() const noexcept {
    return std::get_if<1>(&v_);
  }

  /// The value; rethrows the task's exception; throws cancelled_error if it was cancelled.
  T value() && {
    if (is_exception()) std::rethrow_exception(std::get<1>(v_));
    if (is_cancelled()) WEFT_THROW(cancelled_error());
    if constexpr (std::is_void_v<T>) {
      return;
    } else if constexpr (std::is_reference_v<T>) {
      return std::get<0>(v_).get();
    } else {
      return std::move(std::get<0>(v_));
    }
  }

private:
  std::variant<detail::output_slot_t<T>, std::exception_ptr, cancelled_t> v_;
};

} // namespace weft
