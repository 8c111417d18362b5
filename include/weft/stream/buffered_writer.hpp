// weft/stream/buffered_writer.hpp: buffered_writer<W>, a write buffer over any async_write
// sink: write (buffers small writes), write_all, flush (so a buffered_writer is itself an
// async_write).
// Not here: reading (buffered_reader.hpp).
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/core/result.hpp"
#include "weft/stream/async_write.hpp"
#include "weft/task/task.hpp"

namespace weft::stream {

/// A buffered writer over `W` (held by value, or borrowed when W is an lvalue reference
/// type). Small writes are gathered in a buffer and reach the sink in buffer-sized writes;
/// a write at least as large as the buffer goes straight to the sink.
///
/// The destructor does not flush (it cannot wait): call flush() before dropping it, or
/// the buffered bytes are lost.
/// Errors: the sink's write errors, as they come; a sink accepting 0 bytes of a non-empty
/// write gives std::errc::io_error. Bytes accepted by write() stay buffered after a failed
/// flush, so flush() may be retried.
/// Cancellation: the buffer's progress (what the sink accepted) is recorded as each sink
/// write completes, so dropping an operation loses or repeats nothing the writer knew of;
/// write() accepts bytes only in the poll that returns their count. A sink write cancelled
/// mid-way may itself have written bytes it cannot report (weft::io::write on a pipe or
/// socket): the writer is as cancel-safe as `W::write`.
/// Preconditions: the span given to write / write_all outlives the returned future (the
/// futures are lazy: nothing is copied before the first poll).
/// Thread safety: one operation at a time.
template <class W> class buffered_writer {
  using sink_t = std::remove_reference_t<W>;
  static_assert(async_write<sink_t>, "buffered_writer needs an async_write sink");

public:
  /// Preconditions: capacity > 0.
  template <class W2>
  explicit buffered_writer(W2&& w, std::size_t capacity = 8192)
      : w_(std::forward<W2>(w)), buf_(capacity) {
    WEFT_ASSERT(capacity > 0, "buffered_writer with no buffer");
  }
  buffered_writer(buffered_writer&&) = default;
  buffered_writer& operator=(buffered_writer&&) = delete;

  /// Accepts bytes from the front of `data`: all of them when they fit in the buffer
  /// (after flushing it if needed); a write as large as the buffer goes to the sink once
  /// and may be short. Returns the count accepted.
  task<result<std::size_t>> write(std::span<const std::byte> data) {
    if (data.size() > buf_.size() - len_) {
      auto f = co_await flush_buffer();
      if (!f) co_return f.error();
    }
    if (data.size() >= buf_.size()) co_return co_await w_.write(data);
    if (!data.empty()) std::memcpy(buf_.data() + len_, data.data(), data.size());
    len_ += data.size();
    co_return data.size();
  }

  /// Accepts all of `data` (it may stay buffered: flush() to push it out).
  task<result<void>> write_all(std::span<const std::byte> data) {
    while (!data.empty()) {
      if (data.size() < buf_.size() - len_) {  // fits: no flush, no task frame
        std::memcpy(buf_.data() + len_, data.data(), data.size());
        len_ += data.size();
        break;
      }
      auto n = co_await write(data);
      if (!n) co_return n.error();
      if (*n == 0) co_return std::make_error_code(std::errc::io_error);
      data = data.subspan(*n);
    }
    co_return result<void>{};
  }

  /// Writes every buffered byte to the sink (then the sink's own flush(), if it has one).
  task<result<void>> flush() {
    auto f = co_await flush_buffer();
    if (!f) co_return f;
    if constexpr (requires(sink_t& s) { s.flush(); }) {
      co_return co_await w_.flush();
    } else {
      co_return result<void>{};
    }
  }

  /// Bytes accepted and not yet written to the sink.
  [[nodiscard]] std::size_t buffered() const noexcept { return len_ - start_; }
  /// The sink.
  sink_t& inner() noexcept { return w_; }
  /// The buffer's capacity.
  [[nodiscard]] std::size_t capacity() const noexcept { return buf_.size(); }

private:
  task<result<void>> flush_buffer() {
    while (start_ < len_) {
      auto n = co_await w_.write(std::span<const std::byte>(buf_.data() + start_, len_ - start_));
      if (!n) co_return n.error();
      if (*n == 0) co_return std::make_error_code(std::errc::io_error);
      start_ += *n;
    }
    start_ = len_ = 0;
    co_return result<void>{};
  }

  W w_;
  std::vector<std::byte> buf_;
  std::size_t start_ = 0;  ///< first byte not yet written to the sink
  std::size_t len_ = 0;    ///< one past the last accepted byte
};

template <class W> buffered_writer(W&&) -> buffered_writer<W>;
template <class W> buffered_writer(W&&, std::size_t) -> buffered_writer<W>;

} // namespace weft::stream
