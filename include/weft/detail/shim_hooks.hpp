// weft/detail/shim_hooks.hpp: where the atomics shim calls out in its two checking builds.
// - WEFT_MODEL_CHECK: every shim operation is a scheduling point of the interleaving explorer
//   (tests/model/), and waits block in the explorer instead of the kernel. The hooks are only
//   declared here; the explorer defines them, so such a build must link it.
// - WEFT_CHAOS: every shim operation may yield or sleep a little (chaos.hpp).
// - Neither: shim_point is an empty inline function and nothing here is used.
// Not here: the instrumented atomic type (hooked_atomic.hpp), the shim (atomic.hpp).
#pragma once

#include <cstdint>

#include "weft/detail/chaos.hpp"

#if defined(WEFT_MODEL_CHECK) && defined(WEFT_CHAOS)
#error "weft: WEFT_MODEL_CHECK and WEFT_CHAOS cannot be combined"
#endif

namespace weft::detail {

/// The kind of a shim operation, as a scheduling point reports it.
enum class shim_op : std::uint8_t {
  load,
  store,
  rmw,         ///< exchange and fetch_*
  cas,         ///< compare_exchange_*
  wait,        ///< atomic::wait
  notify,      ///< atomic::notify_*
  fence,       ///< atomic_thread_fence, seq_cst_fence
  futex_wait,
  futex_wake,
  spin,        ///< spin_pause: the caller waits for another thread
  yield,       ///< thread_yield: the caller waits for another thread
  chaos,       ///< chaos_point
  spawn,       ///< explorer only: a model thread was started
  join,        ///< explorer only: waiting for a model thread
  block,       ///< explorer only: a thread goes to sleep
};

#ifdef WEFT_MODEL_CHECK
namespace model_hooks {
/// A scheduling point just before operation `op` on `object` (null: no object). The explorer
/// may run other threads here. Outside an explorer thread it does nothing.
void point(const void* object, shim_op op) noexcept;
/// Puts the calling thread to sleep until wake(object) (or, when `timed`, until every other
/// thread sleeps too: time passes only when nothing else can run). Callers re-check their
/// condition afterwards. Outside an explorer thread it yields and returns (a spurious wake).
void block(const void* object, bool timed) noexcept;
/// Wakes up to `count` threads sleeping on `object`, lowest thread number first.
void wake(const void* object, int count) noexcept;
} // namespace model_hooks
#endif

/// True in the builds where shim operations call out (model check or chaos).
inline constexpr bool shim_hooked =
#if defined(WEFT_MODEL_CHECK) || defined(WEFT_CHAOS)
    true;
#else
    false;
#endif

/// The hook every shim operation calls first.
inline void shim_point([[maybe_unused]] const void* object,
                       [[maybe_unused]] shim_op op) noexcept {
#if defined(WEFT_MODEL_CHECK)
  model_hooks::point(object, op);
#elif defined(WEFT_CHAOS)
  chaos_delay();
#endif
}

} // namespace weft::detail
