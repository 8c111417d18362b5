// weft/io/file_ops.hpp: the file-system operations io_uring has opcodes for: openat, statx,
// fsync/fdatasync, fallocate, readv/writev, unlinkat, renameat, mkdirat. Each is one make_op
// descriptor (like ops.hpp), so another backend can run the same descriptor elsewhere (a
// blocking pool). The user-facing nouns (fs::file, fs::read, ...) are in weft/fs/.
// Not here: ftruncate, copy_file_range, getdents (no opcode in the kernels liburing 2.3
// knows; weft/fs runs them on the blocking pool).
#pragma once

#include <cstddef>
#include <cstdint>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "weft/core/result.hpp"
#include "weft/io/op_future.hpp"

namespace weft::io {

// Path arguments: every op taking a `const char* path` borrows it (op_traits::borrows_memory),
// so dropping the future waits until the kernel is done with it. The caller keeps the string
// alive, at the same address, until the future completed or was destroyed.

/// Opens `path` relative to `dirfd` (AT_FDCWD: the working directory) with open(2) `flags`
/// and `mode`. Returns the new descriptor.
///
/// Cancellation: dropping it cancels the open; a descriptor the kernel opened anyway, or one
/// whose result nobody took, is closed (op_resource::fd).
/// Errors: open(2)'s.
inline auto openat(int dirfd, const char* path, int flags, mode_t mode) {
  return make_op(
      [dirfd, path, flags, mode](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_openat(sqe, dirfd, path, flags, mode);
      },
      detail::to_fd, op_traits{.borrows_memory = true, .resource = detail::op_resource::fd});
}

/// statx(2) of `path` relative to `dirfd` into `*out` (with AT_EMPTY_PATH and an empty path:
/// of `dirfd` itself). `*out` is borrowed like the path.
inline auto statx(int dirfd, const char* path, int flags, unsigned mask, struct ::statx* out) {
  return make_op(
      [dirfd, path, flags, mask, out](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_statx(sqe, dirfd, path, flags, mask, out);
      },
      detail::to_void, op_traits{.borrows_memory = true});
}

/// fsync(2) (`data_only`: fdatasync(2)) of `fd`. Dropping it cancels the wait; the flush may
/// still happen.
inline auto fsync(int fd, bool data_only) {
  return make_op(
      [fd, data_only](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_fsync(sqe, fd, data_only ? IORING_FSYNC_DATASYNC : 0);
      },
      detail::to_void, op_traits{});
}

/// fallocate(2) of `len` bytes at `offset` in `fd` with `mode` (0: allocate and extend).
inline auto fallocate(int fd, int mode, std::uint64_t offset, std::uint64_t len) {
  return make_op(
      [fd, mode, offset, len](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_fallocate(sqe, fd, mode, static_cast<off_t>(offset), static_cast<off_t>(len));
      },
      detail::to_void, op_traits{});
}

/// preadv(2) into `n` buffers at `offset` (-1: the file position). `iov` and the buffers it
/// names are borrowed until the future completed or was destroyed.
inline auto readv(int fd, const iovec* iov, unsigned n, std::int64_t offset = -1) {
  return make_op(
      [fd, iov, n, offset](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_readv(sqe, fd, iov, n, static_cast<std::uint64_t>(offset));
      },
      detail::to_size, op_traits{.borrows_memory = true});
}

/// pwritev(2) from `n` buffers at `offset` (-1: the file position); borrows like readv.
inline auto writev(int fd, const iovec* iov, unsigned n, std::int64_t offset = -1) {
  return make_op(
      [fd, iov, n, offset](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_writev(sqe, fd, iov, n, static_cast<std::uint64_t>(offset));
      },
      detail::to_size, op_traits{.borrows_memory = true});
}

/// unlinkat(2): removes a file, or an empty directory with `flags == AT_REMOVEDIR`.
inline auto unlinkat(int dirfd, const char* path, int flags) {
  return make_op(
      [dirfd, path, flags](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_unlinkat(sqe, dirfd, path, flags);
      },
      detail::to_void, op_traits{.borrows_memory = true});
}

/// renameat2(2) of `from` (relative to `from_dir`) to `to` (relative to `to_dir`).
inline auto renameat(int from_dir, const char* from, int to_dir, const char* to,
                     unsigned flags = 0) {
  return make_op(
      [from_dir, from, to_dir, to, flags](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_renameat(sqe, from_dir, from, to_dir, to, flags);
      },
      detail::to_void, op_traits{.borrows_memory = true});
}

/// mkdirat(2) of `path` relative to `dirfd` with `mode` (before the umask).
inline auto mkdirat(int dirfd, const char* path, mode_t mode) {
  return make_op(
      [dirfd, path, mode](io_uring_sqe* sqe, detail::op_state&) {
        io_uring_prep_mkdirat(sqe, dirfd, path, mode);
      },
      detail::to_void, op_traits{.borrows_memory = true});
}

} // namespace weft::io
