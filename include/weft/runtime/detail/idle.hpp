// weft/runtime/detail/idle.hpp: idle, how workers with nothing to do go to sleep and how
// new work wakes one of them: the sleeper list and the searching / sleeping counts.
//
// Protocol (fields under `mu_` unless atomic):
//   num_searching_  workers looking for work (stealing); at most half the workers at once.
//   num_sleeping_   workers registered in sleepers_.
//   notify_one(): called after work is published: fence(seq_cst); if nobody searches and
//     someone sleeps, take one sleeper out (it becomes a searcher) and return it for the
//     caller to unpark.
//   park side (scheduler::park_worker): register as a sleeper (leaving the searching count),
//     fence(seq_cst), re-check every queue another thread may have filled; if work appeared,
//     unregister and search again; else park in the driver. The two fences make the
//     publish/park race a Dekker pair: either the notifier sees the sleeper or the sleeper
//     sees the work (no lost wake-up).
//   The last searcher to find work notifies another sleeper, so work keeps spreading.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "weft/detail/atomic.hpp"
#include "weft/runtime/detail/worker.hpp"

namespace weft::detail {

class idle {
public:
  explicit idle(std::size_t workers) : workers_(workers) { sleepers_.reserve(workers); }

  /// After work was published: a sleeper to unpark (now a searcher), or null.
  [[nodiscard]] worker* notify_one() {
    // seq_cst: pairs with the fence in the park side (Dekker, see the protocol block).
    seq_cst_fence();
    // relaxed: ordered by the fence above.
    if (num_searching_.load(memory_order_relaxed) != 0) return nullptr;
    if (num_sleeping_.load(memory_order_relaxed) == 0) return nullptr;  // relaxed: as above
    std::lock_guard lock(mu_);
    if (sleepers_.empty()) return nullptr;
    worker* w = sleepers_.back();
    sleepers_.pop_back();
    w->in_sleepers = false;
    w->woken_to_search = true;
    num_sleeping_.fetch_sub(1, memory_order_relaxed);  // relaxed: also under mu_
    num_searching_.fetch_add(1, memory_order_seq_cst);
    return w;
  }

  /// `w` wants to steal: true if it may search (at most half the workers search at once).
  [[nodiscard]] bool begin_search(worker* w) noexcept {
    if (w->searching) return true;
    // relaxed: a heuristic bound; exceeding it briefly is harmless.
    if (2 * num_searching_.load(memory_order_relaxed) >= workers_) return false;
    num_searching_.fetch_add(1, memory_order_seq_cst);
    w->searching = true;
    return true;
  }

  /// `w` found work. True when it was the last searcher: the caller notifies a replacement.
  [[nodiscard]] bool end_search(worker* w) noexcept {
    w->searching = false;
    // seq_cst: part of the Dekker protocol; the last searcher wakes a replacement.
    return num_searching_.fetch_sub(1, memory_order_seq_cst) == 1;
  }

  /// The park side, step 1: `w` becomes a sleeper (and stops searching), then the fence.
  void register_sleeper(worker* w) {
    {
      std::lock_guard lock(mu_);
      sleepers_.push_back(w);
      w->in_sleepers = true;
      w->woken_to_search = false;
      num_sleeping_.fetch_add(1, memory_order_relaxed);  // relaxed: under mu_, fenced below
      if (w->searching) {
        w->searching = false;
        num_searching_.fetch_sub(1, memory_order_seq_cst);
      }
    }
    // seq_cst: pairs with notify_one's fence (Dekker, see the protocol block).
    seq_cst_fence();
  }

  /// The park side, after a check or a park: true when `w` leaves the sleepers, either taken
  /// out by a notifier (it then searches) or because `has_work()` holds.
  template <class HasWork> [[nodiscard]] bool try_leave(worker* w, HasWork&& has_work) {
    std::lock_guard lock(mu_);
    if (!w->in_sleepers) {
      w->searching = w->woken_to_search;
      w->woken_to_search = false;
      return true;
    }
    if (!has_work()) return false;
    remove_sleeper(w);
    return true;
  }

  [[nodiscard]] std::size_t searching() const noexcept {
    return num_searching_.load(memory_order_relaxed);  // relaxed: a statistic
  }

private:
  void remove_sleeper(worker* w) {
    // Preconditions: mu_ held, w in sleepers_.
    for (std::size_t i = 0; i < sleepers_.size(); ++i) {
      if (sleepers_[i] == w) {
        sleepers_[i] = sleepers_.back();
        sleepers_.pop_back();
        break;
      }
    }
    w->in_sleepers = false;
    num_sleeping_.fetch_sub(1, memory_order_relaxed);  // relaxed: under mu_
  }

  const std::size_t workers_;
  std::mutex mu_;
  std::vector<worker*> sleepers_;
  alignas(cache_line) atomic<std::size_t> num_searching_{0};
  atomic<std::size_t> num_sleeping_{0};
};

} // namespace weft::detail
