// weft/core/context.hpp: context, what a poll receives: the waker of the task being polled.
// The waker is lent by reference; a leaf future clones it only when it must keep it.
#pragma once

#include "weft/core/waker.hpp"

namespace weft {

/// The context of one poll. Lives only for the duration of that poll.
class context {
public:
  explicit constexpr context(const ::weft::waker& w) noexcept : waker_(&w) {}
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  /// The waker of the task being polled; clone it (or `clone_from`) to keep it.
  [[nodiscard]] const ::weft::waker& waker() const noexcept { return *waker_; }

private:
  const ::weft::waker* waker_;
};

} // namespace weft
