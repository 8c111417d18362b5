// tests/model/local_queue_model_test.cpp: a worker's run queue (the real local_queue, shrunk
// to capacity 4) under every interleaving within the bound: the owner's push/pop/overflow
// against thieves' steal_into. Oracle: every pushed task comes out exactly once, through a
// pop, a steal (returned or queued in the thief's queue) or an overflow batch, and the
// overflow batch is a well-formed list of the count it claims.
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "model_support.hpp"

// The header under test (one line: the lead's restructure may move it).
#include "weft/runtime/detail/local_queue.hpp"  // weft::detail::local_queue, task_header

namespace {

using weft::detail::local_queue;
using weft::detail::task_header;

// Tasks are real task_headers that are never run: the queue only moves pointers and links
// overflow batches through queue_next.
constexpr weft::detail::task_vtable never_run{nullptr, nullptr, nullptr, nullptr, nullptr};

class task_set {
public:
  explicit task_set(std::size_t n) : seen_(n, 0) {
    for (std::size_t i = 0; i < n; ++i)
      tasks_.push_back(std::make_unique<task_header>(1, &never_run, nullptr));
  }
  task_header* operator[](std::size_t i) const { return tasks_[i].get(); }

  /// Records that `t` came out of the queues; a second time fails the execution.
  void take(task_header* t) {
    WEFT_MODEL_ASSERT(t != nullptr);
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      if (tasks_[i].get() == t) {
        WEFT_MODEL_ASSERT(seen_[i] == 0 && "a task came out twice");
        seen_[i] = 1;
        return;
      }
    }
    WEFT_MODEL_ASSERT(false && "a pointer that was never pushed came out");
  }
  /// Pops `q` empty, taking every task.
  void drain(local_queue& q) {
    while (task_header* t = q.pop()) take(t);
  }
  /// Every task came out exactly once.
  void check_all_taken() const {
    for (std::size_t i = 0; i < seen_.size(); ++i) WEFT_MODEL_ASSERT(seen_[i] == 1);
  }
  /// The overflow callback: takes every task of the batch.
  auto overflow() {
    return [this](weft::detail::local_queue::overflow_batch& batch) {
      const std::size_t count = batch.count();
      WEFT_MODEL_ASSERT(count >= 1);
      for (std::size_t i = 0; i < count; ++i) {
        task_header* t = batch.next();
        WEFT_MODEL_ASSERT(t != nullptr);
        take(t);
      }
    };
  }

private:
  std::vector<std::unique_ptr<task_header>> tasks_;
  std::vector<int> seen_;  // written by one model thread at a time (the explorer's baton)
};

// The thief: one steal, then it runs (pops) what it took.
void steal_and_run(local_queue& victim, local_queue& mine, task_set& tasks) {
  if (task_header* t = victim.steal_into(mine)) tasks.take(t);
  tasks.drain(mine);
}

TEST(LocalQueueModel, PopRacesStealAndEveryTaskComesOutOnce) {
  WEFT_EXPECT_MODEL([] {
    task_set tasks(3);
    local_queue q(4);
    local_queue thief_q(4);
    for (std::size_t i = 0; i < 3; ++i) (void)q.push_back(tasks[i], tasks.overflow());
    weft::model::thread thief([&] { steal_and_run(q, thief_q, tasks); });
    tasks.drain(q);
    thief.join();
    tasks.drain(q);
    tasks.check_all_taken();
  });
}

TEST(LocalQueueModel, OverflowRacesStealAndEveryTaskComesOutOnce) {
  WEFT_EXPECT_MODEL([] {
    task_set tasks(6);
    local_queue q(4);
    local_queue thief_q(4);
    for (std::size_t i = 0; i < 4; ++i) (void)q.push_back(tasks[i], tasks.overflow());
    weft::model::thread thief([&] { steal_and_run(q, thief_q, tasks); });
    // The queue is full: these two overflow (half the queue, or only the new task while a
    // steal is in flight) or find the room the thief made.
    (void)q.push_back(tasks[4], tasks.overflow());
    (void)q.push_back(tasks[5], tasks.overflow());
    WEFT_MODEL_ASSERT(q.len() <= q.capacity());
    tasks.drain(q);
    thief.join();
    tasks.drain(q);
    tasks.check_all_taken();
  });
}

TEST(LocalQueueModel, WrapAroundPushPopRacesTwoSteals) {
  WEFT_EXPECT_MODEL([] {
    task_set tasks(6);
    local_queue q(4);
    local_queue thief_q(4);
    weft::model::thread thief([&] {
      steal_and_run(q, thief_q, tasks);
      steal_and_run(q, thief_q, tasks);
    });
    // Three rounds of push 2, pop 1 move the indices past the end of the 4-slot ring.
    for (std::size_t round = 0; round < 3; ++round) {
      (void)q.push_back(tasks[2 * round], tasks.overflow());
      (void)q.push_back(tasks[2 * round + 1], tasks.overflow());
      if (task_header* t = q.pop()) tasks.take(t);
    }
    thief.join();
    tasks.drain(q);
    tasks.check_all_taken();
  });
}

TEST(LocalQueueModel, TwoThievesAndPushesNeverLoseOrRepeatATask) {
  WEFT_EXPECT_MODEL([] {
    task_set tasks(6);
    local_queue q(4);
    local_queue a_q(4);
    local_queue b_q(4);
    for (std::size_t i = 0; i < 4; ++i) (void)q.push_back(tasks[i], tasks.overflow());
    weft::model::thread a([&] { steal_and_run(q, a_q, tasks); });
    weft::model::thread b([&] { steal_and_run(q, b_q, tasks); });
    // Pushes reuse the slots the thieves free: never a slot one of them is still copying.
    (void)q.push_back(tasks[4], tasks.overflow());
    (void)q.push_back(tasks[5], tasks.overflow());
    a.join();
    b.join();
    tasks.drain(q);
    tasks.check_all_taken();
  });
}

} // namespace
