// weft/fs/file.hpp: fs::file, an open file whose reads, writes, syncs and statx run on the
// io_uring reactor of the thread that awaits them (set_len on the blocking pool: io_uring
// has no ftruncate in the kernels liburing 2.3 knows). Positional I/O (read_at, write_at)
// and cursor I/O on the kernel's file position (read, write, seek) are both offered.
//
// Ownership: a file owns its descriptor (O_CLOEXEC). close() closes it through the ring and
// reports the error; the destructor hands the descriptor to the runtime's blocking pool (or
// closes it at once off a runtime), so dropping a file never blocks a worker on close(2).
// Thread safety: a file is one object; use it from one task at a time. Distinct files (and
// distinct positional ops on one file) may run at once.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weft/core/result.hpp"
#include "weft/fs/detail/checked_op.hpp"
#include "weft/fs/detail/close_future.hpp"
#include "weft/fs/detail/path_buf.hpp"
#include "weft/fs/file_metadata.hpp"
#include "weft/fs/open_options.hpp"
#include "weft/fs/write_outcome.hpp"
#include "weft/io/file_ops.hpp"
#include "weft/io/ops.hpp"
#include "weft/runtime/spawn.hpp"
#include "weft/task/task.hpp"

namespace weft::fs {

/// Where seek counts from.
enum class seek_from : std::uint8_t { start, current, end };

/// The most one read or write submits (Linux's MAX_RW_COUNT); longer spans are short.
inline constexpr std::size_t max_io_size = 0x7ffff000;

class file {
public:
  /// A closed file (every operation fails with EBADF).
  file() noexcept = default;
  /// Takes ownership of `fd`.
  explicit file(int fd) noexcept : fd_(fd) {}
  file(file&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), mem_align_(o.mem_align_), off_align_(o.off_align_) {}
  file& operator=(file&& o) noexcept {
    if (this != &o) {
      close_in_background();
      fd_ = std::exchange(o.fd_, -1);
      mem_align_ = o.mem_align_;
      off_align_ = o.off_align_;
    }
    return *this;
  }
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  /// Hands the descriptor to the blocking pool to be closed (see the file comment); errors of
  /// that close are lost: call close() to see them.
  ~file() { close_in_background(); }

  /// Opens `path` with `opts` (IORING_OP_OPENAT). With direct(true) it also asks statx for
  /// the file's direct-I/O alignment (direct_alignment()).
  ///
  /// Cancellation: dropping it cancels the open; a descriptor the kernel opened anyway is
  /// closed, never leaked.
  /// Errors: EINVAL for an option set that makes no sense (open_options::flags) or a path
  /// with a NUL byte; otherwise open(2)'s (ENOENT, EEXIST for create_new, EACCES, ...).
  static task<result<file>> open(std::filesystem::path path, open_options opts) {
    auto flags = opts.flags();
    if (!flags) co_return flags.error();
    const detail::path_buf p(path);
    if (auto ec = p.check()) co_return ec;
    auto fd = co_await io::openat(AT_FDCWD, p.c_str(), *flags, opts.get_mode());
    if (!fd) co_return fd.error();
    file f(*fd);
    if (opts.is_direct()) {
      struct ::statx st {};
      if (co_await io::statx(*fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &st) &&
          (st.stx_mask & STATX_DIOALIGN) != 0) {
        f.mem_align_ = st.stx_dio_mem_align;
        f.off_align_ = st.stx_dio_offset_align;
      }
    }
    co_return std::move(f);
  }
  /// Opens `path` read-only.
  static task<result<file>> open(std::filesystem::path path) {
    return open(std::move(path), open_options().read(true));
  }
  /// Opens `path` write-only, creating it or truncating it (as Rust's File::create).
  static task<result<file>> create(std::filesystem::path path) {
    return open(std::move(path), open_options().write(true).create(true).truncate(true));
  }

  /// Reads up to `buf.size()` bytes at `offset`; 0 means `offset` is at or past the end of
  /// the file (or `buf` is empty). A short count is not EOF: ask again.
  ///
  /// Cancellation: cancel-safe (positional: nothing is consumed). The drop waits until the
  /// kernel no longer writes into `buf`.
  /// Errors: EINVAL for a misaligned O_DIRECT buffer, offset or length; EBADF on a closed
  /// file; otherwise pread(2)'s.
  auto read_at(std::span<std::byte> buf, std::uint64_t offset) {
    using op = decltype(io::read(-1, buf, 0));
    if (auto ec = check_direct(buf.data(), buf.size(), offset)) return detail::checked_op<op>(ec);
    return detail::checked_op<op>(io::read(fd_, clamp(buf), static_cast<std::int64_t>(offset)));
  }
  /// Writes up to `buf.size()` bytes at `offset`; returns the count written (may be short).
  ///
  /// Cancellation: the drop waits until the kernel no longer reads `buf`; bytes a cancelled
  /// write already wrote stay written.
  /// Errors: as read_at; ENOSPC, EFBIG, EIO when nothing could be written.
  auto write_at(std::span<const std::byte> buf, std::uint64_t offset) {
    using op = decltype(io::write(-1, buf, 0));
    if (auto ec = check_direct(buf.data(), buf.size(), offset)) return detail::checked_op<op>(ec);
    return detail::checked_op<op>(io::write(fd_, clamp(buf), static_cast<std::int64_t>(offset)));
  }

  /// Fills `buf` from `offset`, retrying short reads.
  /// Cancellation: cancel-safe (positional); what was read into `buf` before the drop is
  /// there but unreported.
  /// Errors: io::unexpected_eof() when the file ends first (the bytes before the end are in
  /// `buf`); read_at's otherwise.
  task<result<void>> read_exact_at(std::span<std::byte> buf, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < buf.size()) {
      auto n = co_await read_at(buf.subspan(done), offset + done);
      if (!n) co_return n.error();
      if (*n == 0) co_return io::unexpected_eof();
      done += *n;
    }
    co_return result<void>{};
  }
  /// Writes all of `buf` at `offset`, retrying short writes.
  /// Cancellation: a dropped write_all_at may have written any prefix of `buf`.
  /// Errors: the outcome's error (ENOSPC, EIO, ...) with `bytes_written`, the prefix of
  /// `buf` that reached the file.
  task<write_outcome> write_all_at(std::span<const std::byte> buf, std::uint64_t offset) {
    write_outcome out;
    while (out.bytes_written < buf.size()) {
      auto n = co_await write_at(buf.subspan(out.bytes_written), offset + out.bytes_written);
      if (!n) {
        out.error = n.error();
        break;
      }
      if (*n == 0) {
        out.error = make_error(EIO); // no progress on a non-empty write
        break;
      }
      out.bytes_written += *n;
    }
    co_return out;
  }

  /// Reads up to `buf.size()` bytes at the file position and advances it; 0 means end of
  /// file. Cancellation: not cancel-safe: a dropped read may have consumed bytes (the
  /// position moved) that nobody saw. Errors: as read_at.
  auto read(std::span<std::byte> buf) {
    using op = decltype(io::read(-1, buf, -1));
    if (auto ec = check_direct(buf.data(), buf.size(), 0)) return detail::checked_op<op>(ec);
    return detail::checked_op<op>(io::read(fd_, clamp(buf), -1));
  }
  /// Writes at the file position (at the end with append), advancing it; may be short.
  /// Cancellation: as write_at. Errors: as write_at.
  auto write(std::span<const std::byte> buf) {
    using op = decltype(io::write(-1, buf, -1));
    if (auto ec = check_direct(buf.data(), buf.size(), 0)) return detail::checked_op<op>(ec);
    return detail::checked_op<op>(io::write(fd_, clamp(buf), -1));
  }
  /// Fills `buf` from the file position. Errors: as read_exact_at.
  task<result<void>> read_exact(std::span<std::byte> buf) {
    std::size_t done = 0;
    while (done < buf.size()) {
      auto n = co_await read(buf.subspan(done));
      if (!n) co_return n.error();
      if (*n == 0) co_return io::unexpected_eof();
      done += *n;
    }
    co_return result<void>{};
  }
  /// Writes all of `buf` at the file position. Errors: as write_all_at.
  task<write_outcome> write_all(std::span<const std::byte> buf) {
    write_outcome out;
    while (out.bytes_written < buf.size()) {
      auto n = co_await write(buf.subspan(out.bytes_written));
      if (!n) {
        out.error = n.error();
        break;
      }
      if (*n == 0) {
        out.error = make_error(EIO);
        break;
      }
      out.bytes_written += *n;
    }
    co_return out;
  }

  /// Moves the file position; returns the new one. lseek(2) only updates the open file
  /// description, so this runs inline (it never waits for the disk).
  /// Errors: EINVAL for a negative result position, EBADF on a closed file.
  result<std::uint64_t> seek(std::int64_t offset, seek_from from = seek_from::start) noexcept {
    const int whence = from == seek_from::start     ? SEEK_SET
                       : from == seek_from::current ? SEEK_CUR
                                                    : SEEK_END;
    const off_t r = ::lseek(fd_, static_cast<off_t>(offset), whence);
    if (r < 0) return make_error(errno);
    return static_cast<std::uint64_t>(r);
  }

  /// Flushes data and metadata to the device (fsync). Cancellation: dropping it stops the
  /// wait; the flush may still happen. Errors: fsync(2)'s (EIO: written data was lost).
  auto sync_all() { return io::fsync(fd_, false); }
  /// Flushes data and the metadata needed to read it back (fdatasync).
  auto sync_data() { return io::fsync(fd_, true); }
  /// Reserves `len` bytes at `offset` (fallocate mode 0: the file grows when needed).
  /// Errors: ENOSPC, EOPNOTSUPP where the file system cannot.
  auto allocate(std::uint64_t offset, std::uint64_t len) {
    return io::fallocate(fd_, 0, offset, len);
  }

  /// Truncates or extends the file to `len` bytes (ftruncate, on the blocking pool).
  /// Cancellation: dropping it stops the wait; the resize may still happen.
  task<result<void>> set_len(std::uint64_t len) {
    const int fd = fd_;
    // The job is a named local: g++ 12 destroys a lambda temporary inside a co_await
    // expression twice.
    auto job = spawn_blocking([fd, len]() -> result<void> {
      if (::ftruncate(fd, static_cast<off_t>(len)) != 0) return make_error(errno);
      return {};
    });
    co_return co_await job;
  }

  /// The file's metadata (statx of the descriptor). Cancellation: cancel-safe.
  task<result<file_metadata>> metadata() const {
    struct ::statx st {};
    auto r = co_await io::statx(fd_, "", AT_EMPTY_PATH, statx_mask, &st);
    if (!r) co_return r.error();
    co_return file_metadata(st);
  }

  /// Closes the file through the ring and reports close(2)'s error. The file is closed
  /// (is_open() false) as soon as this is called.
  /// Cancellation: once first polled, the close runs to completion even when the future is
  /// dropped (a cancelled close would leave it unknown whether the descriptor is still
  /// open); a future dropped before its first poll closes the descriptor synchronously.
  /// Errors: EBADF when the file was not open; EIO (deferred write-back errors, NFS).
  detail::close_future close() noexcept { return detail::close_future(std::exchange(fd_, -1)); }

  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int native_handle() const noexcept { return fd_; }
  /// Gives up ownership of the descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  /// The alignment O_DIRECT needs of buffer addresses (first) and of offsets and lengths
  /// (second); {0, 0} when not opened direct or the file system does not report it.
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> direct_alignment() const noexcept {
    return {mem_align_, off_align_};
  }

private:
  template <class T> static std::span<T> clamp(std::span<T> b) noexcept {
    return b.size() > max_io_size ? b.first(max_io_size) : b;
  }
  [[nodiscard]] std::error_code check_direct(const void* p, std::size_t n,
                                             std::uint64_t off) const noexcept {
    if (mem_align_ == 0 && off_align_ == 0) return {};
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    if ((mem_align_ != 0 && addr % mem_align_ != 0) ||
        (off_align_ != 0 && (n % off_align_ != 0 || off % off_align_ != 0)))
      return make_error(EINVAL);
    return {};
  }
  void close_in_background() noexcept {
    const int fd = std::exchange(fd_, -1);
    if (fd < 0) return;
    detail::fd_closer job(fd);
    if (const handle h = handle::try_current(); h.valid()) {
      try {
        (void)h.spawn_blocking(std::move(job)); // detached: the pool closes it
      } catch (...) {
        // The runtime is shutting down: `job` (or the copy the pool dropped) closes it.
      }
    }
    // `job`, when still holding the descriptor (off a runtime), closes it here.
  }

  int fd_ = -1;
  std::uint32_t mem_align_ = 0;
  std::uint32_t off_align_ = 0;
};

} // namespace weft::fs
