// weft/sync/mpsc.hpp: mpsc<T>, multi-producer single-consumer channels: bounded
// (`mpsc<T>::channel(capacity)`: senders wait for room, memory stays bounded) and unbounded
// (`mpsc<T>::unbounded()`). The ends: mpsc_sender.hpp, mpsc_unbounded_sender.hpp,
// mpsc_receiver.hpp, mpsc_permit.hpp.
#pragma once

#include <cstddef>
#include <utility>

#include "weft/sync/detail/bounded_chan.hpp"
#include "weft/sync/detail/unbounded_chan.hpp"
#include "weft/sync/mpsc_permit.hpp"
#include "weft/sync/mpsc_receiver.hpp"
#include "weft/sync/mpsc_sender.hpp"
#include "weft/sync/mpsc_unbounded_sender.hpp"

namespace weft::sync {

template <class T> using mpsc_receiver = basic_mpsc_receiver<T, detail::bounded_chan<T>>;
template <class T>
using mpsc_unbounded_receiver = basic_mpsc_receiver<T, detail::unbounded_chan<T>>;

/// Channel factories:
///
///     auto [tx, rx] = weft::sync::mpsc<int>::channel(1024);
///     co_await tx.send(1);                      // waits while full
///     while (auto v = co_await rx.recv()) ...   // nullopt once every sender is gone
///
/// The bounded channel is a fixed ring: no allocation per message; a send on the thread
/// that made the channel costs no locked instruction (see detail/asymmetric_fence.hpp).
template <class T> struct mpsc {
  using sender = mpsc_sender<T>;
  using receiver = mpsc_receiver<T>;
  using permit = mpsc_permit<T>;
  using unbounded_sender = mpsc_unbounded_sender<T>;
  using unbounded_receiver = mpsc_unbounded_receiver<T>;

  /// A bounded channel holding at most `capacity` values. Preconditions: capacity > 0.
  static std::pair<sender, receiver> channel(std::size_t capacity) {
    auto* c = new detail::bounded_chan<T>(capacity);
    return {sender(c), receiver(c)};
  }
  /// An unbounded channel.
  static std::pair<unbounded_sender, unbounded_receiver> unbounded() {
    auto* c = new detail::unbounded_chan<T>();
    return {unbounded_sender(c), unbounded_receiver(c)};
  }
};

} // namespace weft::sync
