// weft/fs/write_outcome.hpp: write_outcome, what a write loop that may stop part-way reports
// (bytes that reached the file, and the error that stopped it), and write_error, the
// exception its value() throws, which carries the same count.
#pragma once

#include <cstddef>
#include <system_error>

#include "weft/config.hpp"

namespace weft::fs {

/// A std::system_error that also says how many bytes were written before the error.
class write_error : public std::system_error {
public:
  write_error(std::error_code ec, std::size_t bytes_written)
      : std::system_error(ec), bytes_written_(bytes_written) {}
  [[nodiscard]] std::size_t bytes_written() const noexcept { return bytes_written_; }

private:
  std::size_t bytes_written_;
};

/// The outcome of write_all_at / fs::write: converts to true when every byte was written.
/// On failure (ENOSPC, EIO, EFBIG, ...) `bytes_written` says how much of the buffer reached
/// the file first (bytes [0, bytes_written) are in place; nothing after them was written).
struct [[nodiscard]] write_outcome {
  std::size_t bytes_written = 0;
  std::error_code error;

  [[nodiscard]] bool has_value() const noexcept { return !error; }
  explicit operator bool() const noexcept { return has_value(); }
  /// Returns normally when everything was written; otherwise throws write_error.
  void value() const {
    if (error) WEFT_THROW(write_error(error, bytes_written));
  }
};

} // namespace weft::fs
