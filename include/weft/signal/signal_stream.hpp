// weft/signal/signal_stream.hpp: signal_stream, the arrivals of one Unix signal as a stream
// (poll_next / recv), delivered through the reactor; and signal(sig), which makes one. What
// this does to the process (a handler, no masks) is written in detail/registry.hpp and in
// signal(sig)'s comment below.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "weft/core/context.hpp"
#include "weft/core/poll.hpp"
#include "weft/core/result.hpp"
#include "weft/signal/detail/registry.hpp"

namespace weft::signal {

/// The arrivals of one signal. Each arrival after the stream was made (and each arrival no
/// other listener had taken when it was made) is returned once by this stream, whatever
/// other streams of the same signal do. Arrivals the kernel merged (a standard signal
/// raised twice before the handler ran) count once. The stream never ends.
///
/// Thread safety: one stream is polled by one task at a time; streams may live on any
/// worker or thread of a runtime, and signals may arrive on any thread.
class signal_stream {
public:
  signal_stream(signal_stream&&) noexcept = default;
  signal_stream& operator=(signal_stream&& o) noexcept {
    if (this != &o) {
      stop();
      l_ = std::move(o.l_);
    }
    return *this;
  }
  ~signal_stream() { stop(); }

  /// The signal this stream listens to.
  [[nodiscard]] int signo() const noexcept { return l_->sig; }

  /// The next arrival (the signal number), or pending until one comes.
  /// Preconditions: polled on a thread of a weft runtime.
  ::weft::poll<std::optional<int>> poll_next(context& cx) {
    auto& reg = detail::registry::get();
    for (;;) {
      if (reg.take(*l_)) return ::weft::poll<std::optional<int>>(std::in_place, l_->sig);
      if (!reg.wait(*l_, cx)) return pending;
    }
  }

  /// A future of the next arrival: `co_await s.recv()` gives the signal number.
  /// Cancellation: cancel-safe: a dropped recv() takes nothing; the arrival stays for the
  /// next recv().
  auto recv() {
    struct recv_future {
      signal_stream* s;
      ::weft::poll<std::optional<int>> poll(context& cx) { return s->poll_next(cx); }
    };
    return recv_future{this};
  }

private:
  friend result<signal_stream> signal(int sig);
  void stop() noexcept {
    if (l_) detail::registry::get().detach(*l_);
    l_.reset();
  }
  signal_stream() : l_(std::make_unique<detail::listener>()) {}
  std::unique_ptr<detail::listener> l_;
};

/// Listens to signal `sig` (SIGHUP, SIGTERM, SIGUSR1, ...).
///
/// What it does to the process: the first call for a given signal installs weft's handler
/// for it (sigaction, SA_RESTART) and keeps it for the rest of the process's life: from then
/// on the signal's default action (terminating, for most) no longer happens, also when no
/// stream exists. No signal mask is changed on any thread. The self-pipe the handler writes
/// to is O_CLOEXEC (an exec'd child inherits neither it nor the handler).
/// Arrivals before a listener: once the handler is installed, an arrival that no listener
/// took yet is delivered to the next stream made for that signal, so a signal that comes
/// while no stream exists (between two streams, or after signal(sig) was called once to
/// install early) is not lost.
/// Errors: EINVAL for an invalid or uncatchable signal (and SIGSEGV, SIGBUS, SIGFPE,
/// SIGILL, SIGTRAP, which weft refuses); pipe2/sigaction's errors.
inline result<signal_stream> signal(int sig) {
  signal_stream s;
  if (auto r = detail::registry::get().attach(*s.l_, sig); !r) {
    s.l_.reset();
    return r.error();
  }
  return s;
}

} // namespace weft::signal
