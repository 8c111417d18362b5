// tests/stream/byte_support.hpp: an in-memory pipe for the byte-stream tests: a bounded
// byte queue with a read end and a write end (each satisfies async_read / async_write)
// whose reads and writes move a random number of bytes (1..what is possible), seeded, so
// buffered_reader and buffered_writer meet every short read and short write. Reads pend
// while the pipe is empty and open; writes pend while it is full. Closing the write end
// makes reads return 0 once drained. Also fd_reader / fd_writer over weft::io::read/write.
// Not here: stream fakes (stream_support.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <span>

#include "weft/core/future.hpp"
#include "weft/core/result.hpp"
#include "weft/io/ops.hpp"

namespace weft::test {

class mem_pipe {
  struct state {
    std::deque<std::byte> q;
    std::size_t capacity;
    bool closed = false;
    std::optional<waker> reader;
    std::optional<waker> writer;
    std::mt19937_64 rng;
    std::size_t chunk(std::size_t limit) {
      return std::uniform_int_distribution<std::size_t>(1, limit)(rng);
    }
    static void park(std::optional<waker>& slot, context& cx) {
      if (slot) {
        slot->clone_from(cx.waker());
      } else {
        slot.emplace(cx.waker());
      }
    }
    static void wake(std::optional<waker>& slot) {
      std::optional<waker> w;
      w.swap(slot);
      if (w) std::move(*w).wake();
    }
  };

public:
  class read_future {
  public:
    read_future(state* s, std::span<std::byte> b) : s_(s), b_(b) {}
    ::weft::poll<result<std::size_t>> poll(context& cx) {
      if (b_.empty()) return ready(result<std::size_t>(std::size_t{0}));
      if (s_->q.empty()) {
        if (s_->closed) return ready(result<std::size_t>(std::size_t{0}));
        state::park(s_->reader, cx);
        return pending;
      }
      const std::size_t n = s_->chunk(std::min(b_.size(), s_->q.size()));
      std::copy_n(s_->q.begin(), n, b_.begin());
      s_->q.erase(s_->q.begin(), s_->q.begin() + static_cast<long>(n));
      state::wake(s_->writer);
      return ready(result<std::size_t>(n));
    }

  private:
    state* s_;
    std::span<std::byte> b_;
  };

  class write_future {
  public:
    write_future(state* s, std::span<const std::byte> b) : s_(s), b_(b) {}
    ::weft::poll<result<std::size_t>> poll(context& cx) {
      if (s_->closed) return ready(result<std::size_t>(std::make_error_code(std::errc::broken_pipe)));
      if (b_.empty()) return ready(result<std::size_t>(std::size_t{0}));
      const std::size_t room = s_->capacity - s_->q.size();
      if (room == 0) {
        state::park(s_->writer, cx);
        return pending;
      }
      const std::size_t n = s_->chunk(std::min(b_.size(), room));
      s_->q.insert(s_->q.end(), b_.begin(), b_.begin() + static_cast<long>(n));
      state::wake(s_->reader);
      return ready(result<std::size_t>(n));
    }

  private:
    state* s_;
    std::span<const std::byte> b_;
  };

  struct read_end {
    state* s;
    read_future read(std::span<std::byte> b) { return read_future(s, b); }
  };
  struct write_end {
    state* s;
    write_future write(std::span<const std::byte> b) { return write_future(s, b); }
    void close() {
      s->closed = true;
      state::wake(s->reader);
    }
  };

  explicit mem_pipe(std::uint64_t seed, std::size_t capacity = 64)
      : s_(std::make_unique<state>()) {
    s_->capacity = capacity;
    s_->rng.seed(seed);
  }

  read_end reader() noexcept { return read_end{s_.get()}; }
  write_end writer() noexcept { return write_end{s_.get()}; }

private:
  std::unique_ptr<state> s_;
};

/// A file descriptor as an async_read (through the ring).
struct fd_reader {
  int fd;
  auto read(std::span<std::byte> b) { return weft::io::read(fd, b); }
};
/// A file descriptor as an async_write (through the ring).
struct fd_writer {
  int fd;
  auto write(std::span<const std::byte> b) { return weft::io::write(fd, b); }
};

} // namespace weft::test
