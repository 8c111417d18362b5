// tests/support/slow_park_driver.hpp: a driver wrapper that sleeps a little before every park,
// so whatever falls due between a worker's last look at its queues and its park (a timer, a
// completion) lands inside park itself. It widens the race window of lost-wake-up bugs at
// park from nanoseconds to milliseconds, deterministically.
// Not here: anything that changes what the wrapped driver does.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "weft/io.hpp"

namespace weft::test {

class slow_park_driver final : public weft::driver {
public:
  slow_park_driver(std::unique_ptr<weft::driver> inner, std::chrono::microseconds delay)
      : inner_(std::move(inner)), delay_(delay) {}

  void park(std::optional<std::chrono::nanoseconds> timeout) override {
    std::this_thread::sleep_for(delay_);
    inner_->park(timeout);
  }
  void unpark() noexcept override { inner_->unpark(); }
  void turn() override { inner_->turn(); }
  void shutdown() override { inner_->shutdown(); }
  void* downcast(const void* tag) noexcept override { return inner_->downcast(tag); }

private:
  std::unique_ptr<weft::driver> inner_;
  std::chrono::microseconds delay_;
};

/// A driver factory wrapping the io_uring driver in a slow_park_driver.
inline weft::driver_factory slow_park_factory(std::chrono::microseconds delay) {
  return [delay](const weft::driver_config& cfg) -> std::unique_ptr<weft::driver> {
    return std::make_unique<slow_park_driver>(weft::io::io_driver_factory()(cfg), delay);
  };
}

} // namespace weft::test
