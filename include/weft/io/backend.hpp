// weft/io/backend.hpp: choosing the I/O backend. backend_selection() is the process-wide
// automatic choice and its reason; io_driver_factory() builds each driver for the backend the
// runtime asked for (runtime::builder().io_backend(...)); including the I/O layer makes that
// the default driver factory of every runtime.
//
// The automatic choice is made once per process, on first use, without output: the
// environment variable WEFT_IO_BACKEND=epoll|io_uring when set, else io_uring when a probe
// ring (io_uring_setup of 2 entries) can be made, else epoll with the reason the probe failed
// (seccomp, kernel.io_uring_disabled, ENOSYS, RLIMIT_MEMLOCK; see ring.hpp). An explicit
// io_backend::io_uring (or WEFT_IO_BACKEND=io_uring) where io_uring is unavailable fails
// when the runtime is built, with the std::system_error naming the cause.
//
// Thread safety: backend_selection() may be called from any thread (a function-local static).
#pragma once

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <liburing.h>

#include "weft/io/epoll_driver.hpp"
#include "weft/io/ring.hpp"
#include "weft/io/uring_driver.hpp"
#include "weft/runtime/driver.hpp"
#include "weft/runtime/io_backend.hpp"

namespace weft::io {

/// Which backend `automatic` means in this process, and why.
struct backend_choice {
  weft::io_backend backend = weft::io_backend::io_uring;  ///< io_uring or epoll
  std::string reason;  ///< e.g. "io_uring_setup works", or the probe's error
};

/// Whether io_uring_setup works in this process (a probe ring of 2 entries, made once on the
/// first call), and if not, why (the explanation of ring.hpp). Any thread.
struct io_uring_probe {
  bool available = false;
  std::string why_not;  ///< empty when available
};
inline const io_uring_probe& io_uring_availability() {
  static const io_uring_probe p = [] {
    io_uring ring;
    const int ret = io_uring_queue_init(2, &ring, 0);
    if (ret == 0) {
      io_uring_queue_exit(&ring);
      return io_uring_probe{true, {}};
    }
    return io_uring_probe{false, detail::explain_setup_failure(-ret).what()};
  }();
  return p;
}

namespace detail {
inline backend_choice probe_backend() {
  const char* env = std::getenv("WEFT_IO_BACKEND");
  std::string note;
  if (env != nullptr && *env != '\0') {
    if (std::strcmp(env, "epoll") == 0)
      return {weft::io_backend::epoll, "WEFT_IO_BACKEND=epoll in the environment"};
    if (std::strcmp(env, "io_uring") == 0)
      return {weft::io_backend::io_uring, "WEFT_IO_BACKEND=io_uring in the environment"};
    if (std::strcmp(env, "automatic") != 0)
      note = std::string("WEFT_IO_BACKEND=") + env + " ignored (not epoll, io_uring or automatic); ";
  }
  const io_uring_probe& p = io_uring_availability();
  if (p.available) return {weft::io_backend::io_uring, note + "io_uring_setup works"};
  return {weft::io_backend::epoll, note + "io_uring unavailable, using epoll: " + p.why_not};
}
} // namespace detail

/// The process-wide meaning of io_backend::automatic, decided on first call (see the header).
inline const backend_choice& backend_selection() {
  static const backend_choice c = detail::probe_backend();
  return c;
}

/// The backend a runtime built with `requested` uses (automatic resolved).
inline weft::io_backend resolve_backend(weft::io_backend requested) {
  return requested == weft::io_backend::automatic ? backend_selection().backend : requested;
}

/// The backend of the calling thread's driver: io_uring or epoll, or automatic when the
/// thread has no I/O driver (outside a runtime).
inline weft::io_backend current_backend() noexcept {
  reactor* r = reactor::current();
  return r != nullptr ? r->backend() : weft::io_backend::automatic;
}

/// The driver factory that honours driver_config::backend (the builder's io_backend).
inline driver_factory io_driver_factory() {
  return [](const driver_config& cfg) -> std::unique_ptr<weft::driver> {
    if (resolve_backend(cfg.backend) == weft::io_backend::epoll)
      return std::make_unique<epoll_driver>(cfg);
    return std::make_unique<uring_driver>(cfg);
  };
}

namespace detail {
/// Makes io_driver_factory the default driver of every runtime in a program that includes
/// weft's I/O layer (as <weft/weft.hpp> does). Runs during static initialization.
inline const bool io_driver_registered = [] {
  weft::detail::default_driver_factory() = io_driver_factory();
  return true;
}();
} // namespace detail

} // namespace weft::io
