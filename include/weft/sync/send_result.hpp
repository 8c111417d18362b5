// weft/sync/send_result.hpp: send_result<T>, the outcome of a channel send (sent, or the value
// back with the reason), and try_recv_result<T>, the outcome of a non-blocking receive.
#pragma once

#include <optional>
#include <utility>

#include "weft/config.hpp"

namespace weft::sync {

/// Why a send did not deliver its value.
enum class send_failure {
  none,    ///< sent
  closed,  ///< the receiving side is gone or closed the channel
  full,    ///< (try_send only) no capacity right now
};

/// The outcome of a send: converts to true when the value was sent; otherwise the value is
/// handed back (`take_value()`), with the reason.
template <class T> class [[nodiscard]] send_result {
public:
  send_result() = default;
  send_result(T value, send_failure why) : value_(std::move(value)), why_(why) {}

  [[nodiscard]] bool sent() const noexcept { return why_ == send_failure::none; }
  explicit operator bool() const noexcept { return sent(); }
  [[nodiscard]] send_failure failure() const noexcept { return why_; }
  [[nodiscard]] bool is_closed() const noexcept { return why_ == send_failure::closed; }
  [[nodiscard]] bool is_full() const noexcept { return why_ == send_failure::full; }
  /// The value that was not sent. Preconditions: !sent().
  T& value() & {
    WEFT_ASSERT(!sent(), "send_result::value on a successful send");
    return *value_;
  }
  /// Moves the unsent value out. Preconditions: !sent().
  T take_value() {
    WEFT_ASSERT(!sent(), "send_result::take_value on a successful send");
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
  send_failure why_ = send_failure::none;
};

/// What a non-blocking receive found.
enum class try_recv_status {
  value,         ///< a value was received
  empty,         ///< nothing now; senders remain
  disconnected,  ///< nothing now and never again (every sender gone, or closed and drained)
};

/// The outcome of try_recv: a value, or the reason there is none.
template <class T> class [[nodiscard]] try_recv_result {
public:
  explicit try_recv_result(try_recv_status s) noexcept : status_(s) {}
  explicit try_recv_result(T v) : value_(std::move(v)), status_(try_recv_status::value) {}

  [[nodiscard]] try_recv_status status() const noexcept { return status_; }
  [[nodiscard]] bool has_value() const noexcept { return status_ == try_recv_status::value; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] bool is_empty() const noexcept { return status_ == try_recv_status::empty; }
  [[nodiscard]] bool is_disconnected() const noexcept {
    return status_ == try_recv_status::disconnected;
  }
  /// Preconditions: has_value().
  T& operator*() {
    WEFT_ASSERT(has_value(), "try_recv_result holds no value");
    return *value_;
  }
  /// Moves the value out. Preconditions: has_value().
  T take() {
    WEFT_ASSERT(has_value(), "try_recv_result holds no value");
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
  try_recv_status status_;
};

} // namespace weft::sync
