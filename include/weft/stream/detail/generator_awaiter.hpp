// weft/stream/detail/generator_awaiter.hpp: how an async_generator awaits a future between
// its yields: the awaiter polls the future with the context of the generator's current
// poll_next; ready → no suspension; pending → it records itself as the generator's pending
// leaf (which the next poll_next re-polls before resuming the frame) and the frame suspends.
// An exception thrown by the future's poll is carried into the generator's frame.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>

#include "weft/core/future.hpp"

namespace weft::stream::detail {

/// The future a suspended generator waits for: re-polled by poll_next with its context.
struct generator_leaf {
  void* self = nullptr;
  bool (*poll)(void* self, context& cx) noexcept = nullptr;
};

/// What the generator's promise shares with its awaiters.
struct generator_state {
  context* cx = nullptr;  ///< the context of the poll_next running the frame
  generator_leaf leaf;    ///< the pending awaited future, if any
};

template <class F> class generator_awaiter {
  using T = future_output_t<F>;

public:
  generator_awaiter(F& f, generator_state& st) noexcept : future_(f), state_(st) {}

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<>) {
    if (poll_once(*state_.cx)) return false;  // ready at once: no suspension
    state_.leaf = generator_leaf{this, &poll_thunk};
    return true;
  }
  T await_resume() {
    if (exception_) std::rethrow_exception(std::move(exception_));
    if constexpr (std::is_void_v<T>) {
      return;
    } else if constexpr (std::is_reference_v<T>) {
      return static_cast<T>(*output_);
    } else {
      return std::move(*output_);
    }
  }

private:
  bool poll_once(context& cx) {
    auto p = future_.poll(cx);
    if (p.is_pending()) return false;
    if constexpr (std::is_void_v<T>) {
      output_ = true;
    } else if constexpr (std::is_reference_v<T>) {
      output_ = &p.take();
    } else {
      output_.emplace(p.take());
    }
    return true;
  }
  static bool poll_thunk(void* self, context& cx) noexcept {
    auto* a = static_cast<generator_awaiter*>(self);
    try {
      return a->poll_once(cx);
    } catch (...) {
      a->exception_ = std::current_exception();
      return true;
    }
  }

  using slot_t = std::conditional_t<
      std::is_void_v<T>, bool,
      std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, std::optional<T>>>;

  F& future_;
  generator_state& state_;
  slot_t output_{};
  std::exception_ptr exception_;
};

} // namespace weft::stream::detail
