// weft/task/task_header.hpp: task_header, the type-erased front of every spawned task,
// and its vtable: the spawned-task core as the runtime's scheduler sees it (the scheduler
// queues headers, runs them through the vtable and implements scheduler_base). A spawned task<T> is one allocation: its coroutine frame, with the header in
// the frame's prefix (frame_prefix.hpp); any other spawned future gets a task_cell (header,
// then the future or its output, task_cell.hpp).
//
// Protocol: fields other than `state`, `join_waker`, `frame_alive` and `output_parked` are
// written once before
// the task is published (spawn) and read-only afterwards, except the owned-list links
// (guarded by that shard's lock). Run queues hold pointers to headers, never links in them. `join_waker` is owned by the join handle
// while state.join_waker is clear and by the runtime while it is set (see task_state.hpp).
// `frame_alive` and `output_parked` belong to whoever may touch the future (the poller, or the
// party entitled to the output after completion, which the completing transition publishes).
#pragma once

#include <cstdint>

#include "weft/core/waker.hpp"
#include "weft/task/task_state.hpp"

namespace weft::detail {

class scheduler_base;
struct task_header;

/// Per-kind operations of a spawned task. Slots:
/// - `run(t)`: one scheduled poll (the harness); consumes the run-queue reference.
/// - `dealloc(t)`: frees the task; called when the refcount reaches zero.
/// - `read_output(t, dst)`: moves the output into the join_result<T> at `dst` (join handle,
///   after it saw complete).
/// - `drop_output(t)`: destroys an output nobody will read.
/// - `shutdown(t)`: destroys the future of a task claimed by transition_to_shutdown and
///   completes it as cancelled.
struct task_vtable {
  void (*run)(task_header* t);
  void (*dealloc)(task_header* t);
  void (*read_output)(task_header* t, void* dst);
  void (*drop_output)(task_header* t);
  void (*shutdown)(task_header* t);
};

/// True while a completing task wakes its joiner (set by the harness): the scheduler puts
/// that wake behind its run queue instead of the LIFO slot. The joiner then finds many
/// finished handles per poll instead of being polled once per finished child, and the LIFO
/// slot stays for message passing between running tasks.
inline thread_local constinit bool waking_joiner = false;

struct task_header {
  task_state state;
  const task_vtable* vtable;
  scheduler_base* scheduler;
  task_header* owned_prev = nullptr;
  task_header* owned_next = nullptr;
  /// The worker the task must run on (spawn_local, thread-per-core); -1: any worker.
  std::int16_t owner_worker = -1;
  std::uint16_t owned_shard = 0;
  /// A coroutine task's frame has not been destroyed yet (cells: unused).
  bool frame_alive = true;
  /// A finished coroutine task's output was moved out of its destroyed frame into the
  /// frame's dead bytes (spawned_frame.hpp); same owner as frame_alive.
  bool output_parked = false;
  waker join_waker{nullptr, nullptr};  // null: none stored

  task_header(std::uint64_t refs, const task_vtable* vt, scheduler_base* s) noexcept
      : state(refs), vtable(vt), scheduler(s) {}

  void drop_ref() noexcept {
    if (state.ref_dec()) vtable->dealloc(this);
  }
};

} // namespace weft::detail
