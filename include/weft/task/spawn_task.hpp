// weft/task/spawn_task.hpp: make_task(f, scheduler, refs), how the runtime turns a future into
// a spawned task: a task<T> in its own frame (one allocation), any other future in a cell.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "weft/core/future.hpp"
#include "weft/task/detail/spawned_frame.hpp"
#include "weft/task/detail/task_cell.hpp"
#include "weft/task/scheduler_base.hpp"
#include "weft/task/task.hpp"
#include "weft/task/task_header.hpp"

namespace weft::detail {

/// A spawned task of `f` scheduled through `s`, with `refs` references.
template <future F> task_header* make_task(F&& f, scheduler_base* s, std::uint64_t refs) {
  using D = std::remove_cvref_t<F>;
  if constexpr (is_task<D>::value) {
    return spawned_frame<typename D::value_type>::create(std::forward<F>(f), s, refs);
  } else {
    return task_cell<D>::create(std::forward<F>(f), s, refs);
  }
}

} // namespace weft::detail
