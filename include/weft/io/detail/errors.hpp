// weft/io/detail/errors.hpp: the one place where the kernel's answers become weft's: which
// completion results are transient (resubmitted by the driver, never seen by the caller),
// what a caller sees when retries ran out, and the result<T> mappers of the operations.
// Cancellation stays distinct: a cancel the holder asked for is never retried.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "weft/core/result.hpp"

namespace weft::io::detail {

/// A transient result: the driver resubmits the same SQE. -ECANCELED counts only when
/// nobody asked for the cancel (io-wq teardown, a fault ring); a cancelled op is never
/// resubmitted (nobody would cancel the retry, and a dropping holder waits for it).
[[nodiscard]] constexpr bool is_transient(std::int32_t res, bool cancel_requested) noexcept {
  if (cancel_requested) return false;
  return res == -EAGAIN || res == -EINTR || res == -ENOBUFS || res == -ECANCELED;
}

/// The result the holder sees once the driver stops retrying: an unrequested -ECANCELED
/// becomes -EINTR (cancellation is the holder's own outcome, never an error it did not ask
/// for).
[[nodiscard]] constexpr std::int32_t holder_result(std::int32_t res, bool cancel_requested) noexcept {
  return (res == -ECANCELED && !cancel_requested) ? -EINTR : res;
}

/// Result mappers shared by the operations.
inline result<void> to_void(std::int32_t res) {
  if (res < 0) return make_error(-res);
  return {};
}
inline result<std::size_t> to_size(std::int32_t res) {
  if (res < 0) return make_error(-res);
  return static_cast<std::size_t>(res);
}
/// For an IORING_OP_TIMEOUT: expiry (-ETIME) is its success.
/// The mapper of ops whose result is a new file descriptor (accept, openat, socket).
inline result<int> to_fd(std::int32_t res) {
  if (res < 0) return make_error(-res);
  return static_cast<int>(res);
}
inline result<void> to_timeout(std::int32_t res) {
  if (res == -ETIME || res >= 0) return {};
  return make_error(-res);
}

} // namespace weft::io::detail
