// weft/io/op_future.hpp: op_future, the leaf future of one io_uring operation: the first poll
// prepares the SQE on the calling thread's ring (submitted with the next batch), the CQE
// wakes the task, the next poll returns the mapped result. Dropping it cancels the op safely
// (detail/op_holder.hpp).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/core/result.hpp"
#include "weft/io/detail/errors.hpp"
#include "weft/io/detail/op_holder.hpp"
#include "weft/io/uring_driver.hpp"

namespace weft::io {

/// The leaf future of one operation. `Prep(sqe, op_state&)` fills the SQE; `Map(int32_t
/// res)` turns the CQE result into the output.
///
/// Preconditions: polled on a thread of a weft runtime (a worker, or inside block_on).
/// Cancellation: dropping the future cancels the operation. A drop never waits for an op
/// that does not borrow memory. An op that borrows the caller's memory (op_traits::
/// borrows_memory: a read or write buffer) waits in its destructor until the kernel has let
/// go of that memory: on the op's own thread that is one cancel round trip; on another worker
/// (the task moved) it also waits for the owner worker to take the cancel request, which it
/// does at its next scheduling tick or park, so a long-running task on the owner delays it.
template <class Prep, class Map> class op_future {
public:
  using output = std::invoke_result_t<Map&, std::int32_t>;

  op_future(Prep prep, Map map, op_traits traits)
      : prep_(std::move(prep)), map_(std::move(map)), traits_(traits) {}
  op_future(op_future&&) noexcept = default;
  op_future& operator=(op_future&&) = delete;

  ::weft::poll<output> poll(context& cx) {
    if (!holder_.started()) {
      if (!coop::poll_proceed(cx)) return pending;
      uring_driver* d = uring_driver::current();
      WEFT_CHECK(d != nullptr,
                 "weft I/O must be awaited on a runtime thread (a task, or inside block_on)");
      holder_.start(*d, prep_, cx.waker(), traits_);
      return pending;
    }
    if (auto r = holder_.poll_result(cx)) return ::weft::poll<output>(std::in_place, map_(*r));
    return pending;
  }

private:
  Prep prep_;
  Map map_;
  op_traits traits_;
  detail::op_holder holder_;
};

template <class Prep, class Map>
op_future<Prep, Map> make_op(Prep prep, Map map, op_traits traits = {}) {
  return op_future<Prep, Map>(std::move(prep), std::move(map), traits);
}

} // namespace weft::io
