// weft/stream/buffered_reader.hpp: buffered_reader<R>, a read buffer over any async_read
// source: read_until(delim), read_line, lines() (a stream), fill_buf/consume, and read
// (so a buffered_reader is itself an async_read).
// Not here: writing (buffered_writer.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/core/result.hpp"
#include "weft/stream/async_generator.hpp"
#include "weft/stream/async_read.hpp"
#include "weft/task/task.hpp"

namespace weft::stream {

/// A buffered reader over `R` (held by value, or borrowed when R is an lvalue reference
/// type: `buffered_reader<socket&>`).
///
/// Errors: every operation reports the source's read errors as they come; bytes buffered
/// before the error stay in the buffer.
/// Cancellation: every operation keeps its progress in the reader or in the caller's
/// output buffer (read_until and read_line append as they go), so dropping one loses no
/// byte the reader already had: calling it again with the same output continues. A byte
/// lost by a cancelled read of the source itself (weft::io::read on a pipe or socket is not
/// cancel-safe) is lost, though: the reader is as cancel-safe as `R::read`.
/// Preconditions: output buffers (spans, strings, vectors) outlive the returned futures.
/// Thread safety: one operation at a time (each borrows the reader until it completes).
template <class R> class buffered_reader {
  using src_t = std::remove_reference_t<R>;
  static_assert(async_read<src_t>, "buffered_reader needs an async_read source");

public:
  /// Preconditions: capacity > 0.
  template <class R2>
  explicit buffered_reader(R2&& r, std::size_t capacity = 8192)
      : r_(std::forward<R2>(r)), buf_(capacity) {
    WEFT_ASSERT(capacity > 0, "buffered_reader with no buffer");
  }
  buffered_reader(buffered_reader&&) = default;
  buffered_reader& operator=(buffered_reader&&) = delete;

  /// The buffered bytes, reading from the source first if none are; empty at end of stream.
  /// The span stays valid until the next operation; `consume` what was used.
  task<result<std::span<const std::byte>>> fill_buf() {
    if (pos_ == end_) {
      auto n = co_await refill();
      if (!n) co_return n.error();
    }
    co_return buffered();
  }
  /// Marks `n` buffered bytes as used. Preconditions: n <= buffered().size().
  void consume(std::size_t n) noexcept {
    WEFT_ASSERT(n <= end_ - pos_, "consumed more than is buffered");
    pos_ += n;
  }
  /// The bytes buffered now (no I/O).
  [[nodiscard]] std::span<const std::byte> buffered() const noexcept {
    return std::span<const std::byte>(buf_.data() + pos_, end_ - pos_);
  }

  /// Reads up to `out.size()` bytes: from the buffer if it holds any, else straight from
  /// the source when `out` is at least as large as the buffer, else through the buffer.
  /// Returns 0 at end of stream (and for an empty `out`, without reading).
  task<result<std::size_t>> read(std::span<std::byte> out) {
    if (out.empty()) co_return std::size_t{0};
    if (pos_ == end_ && out.size() >= buf_.size()) co_return co_await r_.read(out);
    if (pos_ == end_) {
      auto n = co_await refill();
      if (!n) co_return n.error();
    }
    const std::size_t k = std::min(out.size(), end_ - pos_);
    if (k > 0) std::memcpy(out.data(), buf_.data() + pos_, k);
    pos_ += k;
    co_return k;
  }

  /// Appends bytes to `out` up to and including `delim`, or up to the end of the stream.
  /// Returns the count appended: 0 means end of stream.
  task<result<std::size_t>> read_until(std::byte delim, std::vector<std::byte>& out) {
    return read_until_into(delim, out);
  }
  /// Appends one line to `out`, its '\n' included (none at the end of a stream that does
  /// not end with one). Returns the count appended: 0 means end of stream. Bytes are
  /// appended as they come (no UTF-8 check).
  task<result<std::size_t>> read_line(std::string& out) {
    return read_until_into(std::byte{'\n'}, out);
  }

  /// The lines of the source as a stream of result<std::string>, without their "\n" or
  /// "\r\n"; an error is yielded once and ends the stream. The reader must outlive it.
  /// Cancellation: a dropped `next` loses nothing (the line being read waits in the
  /// generator's frame); dropping the stream loses a partly read line.
  async_generator<result<std::string>> lines() {
    for (;;) {
      std::string line;
      auto n = co_await read_line(line);
      if (!n) {
        co_yield n.error();
        co_return;
      }
      if (*n == 0) co_return;
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_yield std::move(line);
    }
  }

  /// The source.
  src_t& inner() noexcept { return r_; }
  /// The buffer's capacity.
  [[nodiscard]] std::size_t capacity() const noexcept { return buf_.size(); }

private:
  /// Reads into the (empty) buffer. Returns the count; 0 at end of stream.
  task<result<std::size_t>> refill() {
    WEFT_ASSERT(pos_ == end_, "refill with bytes still buffered");
    pos_ = end_ = 0;
    auto n = co_await r_.read(std::span<std::byte>(buf_));
    if (n) end_ = *n;
    co_return n;
  }

  template <class Out> task<result<std::size_t>> read_until_into(std::byte delim, Out& out) {
    std::size_t total = 0;
    for (;;) {
      if (pos_ == end_) {
        auto n = co_await r_.read(std::span<std::byte>(buf_));
        pos_ = 0;
        end_ = n ? *n : 0;
        if (!n) co_return n.error();
        if (*n == 0) co_return total;
      }
      const std::byte* first = buf_.data() + pos_;
      const std::byte* last = buf_.data() + end_;
      const std::byte* hit = std::find(first, last, delim);
      const bool found = hit != last;
      const std::size_t k = static_cast<std::size_t>(hit - first) + (found ? 1 : 0);
      append(out, first, k);
      pos_ += k;
      total += k;
      if (found) co_return total;
    }
  }

  static void append(std::vector<std::byte>& out, const std::byte* p, std::size_t n) {
    out.insert(out.end(), p, p + n);
  }
  static void append(std::string& out, const std::byte* p, std::size_t n) {
    // Safety: char may alias any object representation; bytes are copied as they are.
    out.append(reinterpret_cast<const char*>(p), n);
  }

  R r_;
  std::vector<std::byte> buf_;
  std::size_t pos_ = 0;  ///< first unread byte
  std::size_t end_ = 0;  ///< one past the last buffered byte
};

template <class R> buffered_reader(R&&) -> buffered_reader<R>;
template <class R> buffered_reader(R&&, std::size_t) -> buffered_reader<R>;

} // namespace weft::stream
