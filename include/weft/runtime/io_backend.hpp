// weft/runtime/io_backend.hpp: io_backend, which kernel interface the I/O layer's drivers use
// (runtime::builder().io_backend(...)). The runtime only carries the choice to the driver
// factory; weft/io/ makes it (weft/io/backend.hpp).
#pragma once

#include <cstdint>

namespace weft {

/// The I/O backend of a runtime's drivers.
enum class io_backend : std::uint8_t {
  /// io_uring when io_uring_setup works in this process, else epoll; the environment
  /// variable WEFT_IO_BACKEND=epoll|io_uring overrides it for the whole process. The choice
  /// and its reason: weft::io::backend_selection().
  automatic,
  /// io_uring only: building fails with a std::system_error naming the cause when the
  /// kernel (or a seccomp profile, or kernel.io_uring_disabled) refuses it.
  io_uring,
  /// epoll readiness plus the blocking pool for operations with no readiness form.
  epoll,
};

/// "automatic", "io_uring" or "epoll".
constexpr const char* to_string(io_backend b) noexcept {
  switch (b) {
  case io_backend::io_uring: return "io_uring";
  case io_backend::epoll: return "epoll";
  default: return "automatic";
  }
}

} // namespace weft
