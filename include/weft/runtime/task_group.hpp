// weft/runtime/task_group.hpp: task_group<T>, structured concurrency: tasks spawned into a
// group are joined together, and whatever still runs when the group goes out of scope is
// aborted.
#pragma once

#include <type_traits>
#include <utility>
#include <vector>

#include "weft/core/join_all.hpp"
#include "weft/runtime/spawn.hpp"

namespace weft {

/// A scope for tasks of output T.
///
/// Cancellation: destroying the group aborts every task still running. Dropping the
/// join_all() future keeps the tasks (they stay in the group).
/// Thread safety: one thread at a time.
template <class T = void> class task_group {
public:
  /// A group spawning onto the current runtime. Errors: spawn_error outside a runtime.
  task_group() : h_(handle::current()) {}
  explicit task_group(handle h) noexcept : h_(h) {}
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;
  ~task_group() { abort_all(); }

  /// Spawns `f` into the group.
  template <future F>
    requires std::is_same_v<future_output_t<F>, T>
  void spawn(F f) {
    handles_.push_back(h_.spawn(std::move(f)));
  }

  /// A future completing with every task's output (spawn order) once all finished; the
  /// group is empty afterwards. Errors: once all finished, the exception of the first task in
  /// spawn order that failed is rethrown (an aborted task counts as cancelled_error).
  auto join_all() {
    std::vector<ref_future> refs;
    refs.reserve(handles_.size());
    for (std::size_t i = 0; i < handles_.size(); ++i) refs.push_back(ref_future{this, i});
    return finish_future{this, weft::join_all(std::move(refs))};
  }

  /// Aborts every task still running (they report cancelled).
  void abort_all() {
    for (auto& h : handles_) h.abort();
    handles_.clear();
  }

  [[nodiscard]] std::size_t size() const noexcept { return handles_.size(); }

private:
  // By index, not pointer: spawning into the group after join_all() was made may move the
  // handles. Each child yields the task's outcome, never throws: the outcomes are looked at in
  // spawn order once all tasks finished.
  struct ref_future {
    task_group* g;
    std::size_t i;
    ::weft::poll<join_result<T>> poll(context& cx) { return g->handles_[i].poll_outcome(cx); }
  };
  using outcomes_t = std::vector<join_result<T>>;
  using output_t = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;
  struct finish_future {
    task_group* g;
    join_all_future<ref_future> inner;
    ::weft::poll<output_t> poll(context& cx) {
      auto p = inner.poll(cx);
      if (p.is_pending()) return pending;
      g->handles_.clear();
      outcomes_t outcomes = p.take();
      if constexpr (std::is_void_v<T>) {
        for (auto& o : outcomes) std::move(o).value();  // the first failure, in order
        return ready();
      } else {
        std::vector<T> values;
        values.reserve(outcomes.size());
        for (auto& o : outcomes) values.push_back(std::move(o).value());
        return ::weft::poll<output_t>(std::in_place, std::move(values));
      }
    }
  };

  handle h_;
  std::vector<join_handle<T>> handles_;
};

} // namespace weft
