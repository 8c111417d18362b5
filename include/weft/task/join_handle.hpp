// weft/task/join_handle.hpp: join_handle<T>, the owner's view of a spawned task: await its
// output, abort it, detach it, or ask whether it finished.
//
// Protocol: see task_state.hpp (join_interest, join_waker) and detail/harness.hpp (output).
// The handle holds one task reference until it is dropped or detached.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/task/join_result.hpp"
#include "weft/task/scheduler_base.hpp"
#include "weft/task/task_header.hpp"

namespace weft {

template <class T> class join_handle;

/// Future returned by join_handle::outcome(): the task's join_result without throwing.
template <class T> class join_outcome_future {
public:
  explicit join_outcome_future(join_handle<T>& h) noexcept : h_(&h) {}
  ::weft::poll<join_result<T>> poll(context& cx) { return h_->poll_outcome(cx); }

private:
  join_handle<T>* h_;
};

/// The handle of a spawned task. Awaiting it gives the task's output; dropping it detaches
/// the task (it keeps running).
///
/// Errors: `co_await h` rethrows the task's exception, and throws cancelled_error when the
/// task was aborted; `co_await h.outcome()` reports the three outcomes without throwing.
/// Thread safety: one handle is used by one thread at a time; abort() may race with
/// anything the task does.
/// Cancellation: dropping an `co_await h` (e.g. in select) loses nothing: the output stays in
/// the task until the handle reads it.
template <class T> class [[nodiscard]] join_handle {
public:
  join_handle() noexcept = default;
  explicit join_handle(detail::task_header* t) noexcept : bits_(reinterpret_cast<std::uintptr_t>(t)) {}
  join_handle(join_handle&& o) noexcept : bits_(std::exchange(o.bits_, 0)) {}
  join_handle& operator=(join_handle&& o) noexcept {
    if (this != &o) {
      release();
      bits_ = std::exchange(o.bits_, 0);
    }
    return *this;
  }
  join_handle(const join_handle&) = delete;
  join_handle& operator=(const join_handle&) = delete;
  ~join_handle() { release(); }

  /// Polls for the output (see the class comment for errors).
  ::weft::poll<T> poll(context& cx) {
    auto p = poll_outcome(cx);
    if (p.is_pending()) return pending;
    if constexpr (std::is_void_v<T>) {
      p.take().value();
      return ready();
    } else {
      return ::weft::poll<T>(std::in_place, p.take().value());
    }
  }

  /// Polls for the outcome; never throws the task's exception.
  ::weft::poll<join_result<T>> poll_outcome(context& cx) {
    WEFT_ASSERT(task() != nullptr && !consumed(), "polled an empty or consumed join handle");
    detail::task_header* t = task();
    auto& st = t->state;
    std::uint64_t s = st.load();
    if (!(s & detail::task_state::complete)) {
      if (!(s & detail::task_state::join_waker)) {
        t->join_waker = cx.waker();  // ours to write while the bit is clear
        if (st.set_join_waker() == detail::task_state::join_waker_set::stored) return pending;
      } else {
        if (t->join_waker.will_wake(cx.waker())) return pending;
        if (st.unset_join_waker() == detail::task_state::join_waker_set::stored) {
          t->join_waker = cx.waker();
          if (st.set_join_waker() == detail::task_state::join_waker_set::stored) return pending;
        }
      }
    }
    join_result<T> out;
    t->vtable->read_output(t, &out);
    bits_ |= consumed_bit;
    return ::weft::poll<join_result<T>>(std::in_place, std::move(out));
  }

  /// `co_await h.outcome()`: the task's join_result (value, exception or cancelled).
  join_outcome_future<T> outcome() noexcept { return join_outcome_future<T>(*this); }

  /// Requests cancellation: the task's future is destroyed by a worker at its next
  /// scheduling point, and the handle then reports cancelled (unless it already finished).
  /// Thread safety: any thread.
  void abort() const {
    detail::task_header* t = task();
    if (t == nullptr) return;
    if (t->state.transition_to_cancelled() == detail::task_state::to_notified::submit)
      t->scheduler->schedule(t, false);
  }

  /// True once the task finished (output stored, exception, or cancelled).
  [[nodiscard]] bool is_finished() const noexcept {
    detail::task_header* t = task();
    return t == nullptr || (t->state.load() & detail::task_state::complete) != 0;
  }

  /// Lets the task run on unobserved; its exception, if any, goes to the runtime's hook.
  void detach() noexcept { release(); }

  [[nodiscard]] bool valid() const noexcept { return task() != nullptr; }

private:
  // The task pointer, with the low bit set once the output was read (headers are aligned):
  // one word per handle.
  static constexpr std::uintptr_t consumed_bit = 1;

  [[nodiscard]] detail::task_header* task() const noexcept {
    return reinterpret_cast<detail::task_header*>(bits_ & ~consumed_bit);
  }
  [[nodiscard]] bool consumed() const noexcept { return (bits_ & consumed_bit) != 0; }

  void release() noexcept {
    const std::uintptr_t bits = std::exchange(bits_, 0);
    auto* t = reinterpret_cast<detail::task_header*>(bits & ~consumed_bit);
    if (t == nullptr) return;
    if ((bits & consumed_bit) != 0) {
      // We saw complete and read the output: one RMW clears interest and our reference.
      if (t->state.join_dropped_after_read()) t->vtable->dealloc(t);
      return;
    }
    switch (t->state.transition_join_dropped()) {
    case detail::task_state::join_dropped::output_is_ours:
      t->vtable->drop_output(t);
      t->drop_ref();
      break;
    case detail::task_state::join_dropped::waker_is_ours:
      t->join_waker = waker(nullptr, nullptr);
      t->drop_ref();
      break;
    case detail::task_state::join_dropped::dealloc:
      t->vtable->dealloc(t);
      break;
    case detail::task_state::join_dropped::ok:
      break;
    }
  }

  std::uintptr_t bits_ = 0;
};

} // namespace weft
