// weft/core/coop.hpp: the cooperative budget. An executor gives each task poll a budget of
// leaf operations; a leaf future that could complete at once asks `coop::poll_proceed(cx)`
// first, and once the budget is spent it wakes its task and answers pending, so a task that
// only ever meets ready I/O still yields to its neighbours. Outside an executor the budget
// is unlimited.
#pragma once

#include "weft/core/context.hpp"
#include "weft/detail/chaos.hpp"

namespace weft::coop {

/// Leaf operations a task may complete in one poll (tokio's figure).
inline constexpr int default_budget = 128;

namespace detail {
/// Remaining budget of the task being polled on this thread; negative = unlimited.
inline thread_local int remaining = -1;
} // namespace detail

/// Spends one unit of budget. When none is left, wakes `cx`'s task and returns false: the
/// caller must then answer pending without doing the operation.
[[nodiscard]] inline bool poll_proceed(context& cx) {
  int& r = detail::remaining;
  if (r < 0) return true;
  if (r == 0) {
    cx.waker().wake_by_ref();
    return false;
  }
  --r;
  return true;
}

/// The budget an executor gives one task poll: default_budget; in chaos builds a random one
/// in [1, default_budget], so budgets run out often and every yield path gets taken.
[[nodiscard]] inline int task_budget() noexcept {
  if constexpr (weft::detail::chaos_enabled) {
    return 1 + static_cast<int>(weft::detail::chaos_below(default_budget));
  }
  return default_budget;
}

/// True while the current poll still has budget.
[[nodiscard]] inline bool has_budget() noexcept { return detail::remaining != 0; }

/// Sets the budget for the scope of one task poll; restores the previous one after.
class budget_scope {
public:
  explicit budget_scope(int budget = default_budget) noexcept
      : saved_(detail::remaining) {
    detail::remaining = budget;
  }
  budget_scope(const budget_scope&) = delete;
  budget_scope& operator=(const budget_scope&) = delete;
  ~budget_scope() { detail::remaining = saved_; }

private:
  int saved_;
};

} // namespace weft::coop
