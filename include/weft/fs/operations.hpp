// weft/fs/operations.hpp: the whole-file and directory helpers: read, read_to_string, write,
// copy, metadata, symlink_metadata, create_dir, create_dir_all, remove_file, remove_dir,
// remove_dir_all, rename, read_dir. Those io_uring has an opcode for (open, read, write,
// statx, mkdirat, unlinkat, renameat) run on the reactor; copy (copy_file_range),
// create_dir_all, remove_dir_all and read_dir (getdents) run on the runtime's blocking pool.
//
// Every path is copied before anything is submitted; a path with a NUL byte is EINVAL.
// Cancellation (all of them): dropping the future stops the operation between steps; steps
// already done stay done (a half-written file, some directories created or removed).
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weft/core/result.hpp"
#include "weft/fs/detail/path_buf.hpp"
#include "weft/fs/dir_entry.hpp"
#include "weft/fs/file.hpp"
#include "weft/fs/file_metadata.hpp"
#include "weft/fs/write_outcome.hpp"
#include "weft/io/file_ops.hpp"
#include "weft/runtime/spawn.hpp"
#include "weft/task/task.hpp"

namespace weft::fs {

/// The whole contents of the file at `path`. Reads until a read returns 0 (a file that grows
/// while being read is read to its new end), sized from statx first.
/// Errors: open(2)'s and read(2)'s.
inline task<result<std::vector<std::byte>>> read(std::filesystem::path path) {
  auto f = co_await file::open(std::move(path));
  if (!f) co_return f.error();
  auto md = co_await f->metadata();
  // One byte more than the size, so the read that finds the end needs no reallocation.
  std::vector<std::byte> out(md ? static_cast<std::size_t>(md->len()) + 1 : 8192);
  std::size_t done = 0;
  for (;;) {
    if (done == out.size()) out.resize(out.size() * 2);
    auto n = co_await f->read_at(std::span(out).subspan(done), done);
    if (!n) co_return n.error();
    if (*n == 0) break;
    done += *n;
  }
  out.resize(done);
  (void)co_await f->close(); // a read-only close has nothing to report
  co_return std::move(out);
}

/// The contents of the file at `path` as a string (bytes as they are: no UTF-8 check).
inline task<result<std::string>> read_to_string(std::filesystem::path path) {
  auto bytes = co_await read(std::move(path));
  if (!bytes) co_return bytes.error();
  co_return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

/// Creates or truncates the file at `path` and writes `data` into it.
/// Errors: the outcome's error with the bytes written before it (ENOSPC, EIO, ...); an open
/// failure has bytes_written 0; close(2)'s error (deferred write-back) counts too.
inline task<write_outcome> write(std::filesystem::path path, std::span<const std::byte> data) {
  auto f = co_await file::create(std::move(path));
  if (!f) co_return write_outcome{0, f.error()};
  write_outcome out = co_await f->write_all_at(data, 0);
  auto closed = co_await f->close();
  if (out && !closed) out.error = closed.error();
  co_return std::move(out);
}
/// write() of a string's bytes.
inline task<write_outcome> write(std::filesystem::path path, std::string_view data) {
  return write(std::move(path), std::as_bytes(std::span(data.data(), data.size())));
}

namespace detail {
/// The blocking body of copy(): copy_file_range, falling back to read/write where the file
/// systems cannot (EXDEV on old kernels, EINVAL, EOPNOTSUPP, ENOSYS).
inline result<std::uint64_t> copy_blocking(const std::filesystem::path& from,
                                           const std::filesystem::path& to) {
  struct fd_guard {
    int fd;
    ~fd_guard() {
      if (fd >= 0) ::close(fd);
    }
  };
  fd_guard in{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) return make_error(errno);
  struct ::stat st {};
  if (::fstat(in.fd, &st) != 0) return make_error(errno);
  if (!S_ISREG(st.st_mode)) return make_error(EINVAL);
  fd_guard out{::open(to.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, st.st_mode & 07777)};
  if (out.fd < 0) return make_error(errno);
  struct ::stat ost {};
  if (::fstat(out.fd, &ost) != 0) return make_error(errno);
  if (ost.st_dev == st.st_dev && ost.st_ino == st.st_ino) return make_error(EINVAL); // itself
  if (::ftruncate(out.fd, 0) != 0) return make_error(errno);
  std::uint64_t total = 0;
  bool fallback = false;
  while (!fallback) {
    const ssize_t n = ::copy_file_range(in.fd, nullptr, out.fd, nullptr, 1U << 30, 0);
    if (n > 0) {
      total += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    if (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS) {
      fallback = true;
      break;
    }
    return make_error(errno);
  }
  if (fallback) {
    std::vector<char> buf(256 * 1024);
    for (;;) {
      const ssize_t n = ::read(in.fd, buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        return make_error(errno);
      }
      for (ssize_t off = 0; off < n;) {
        const ssize_t w = ::write(out.fd, buf.data() + off, static_cast<std::size_t>(n - off));
        if (w < 0) {
          if (errno == EINTR) continue;
          return make_error(errno);
        }
        off += w;
      }
      total += static_cast<std::uint64_t>(n);
    }
  }
  (void)::fchmod(out.fd, st.st_mode & 07777); // an existing target gets the source's bits
  const int fd = std::exchange(out.fd, -1);
  if (::close(fd) != 0) return make_error(errno);
  return total;
}

inline result<std::vector<dir_entry>> read_dir_blocking(const std::filesystem::path& dir) {
  DIR* d = ::opendir(dir.c_str()); // glibc opens it O_CLOEXEC
  if (d == nullptr) return make_error(errno);
  std::vector<dir_entry> out;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) break;
    const std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    file_type t = file_type::unknown;
    switch (e->d_type) {
    case DT_REG: t = file_type::regular; break;
    case DT_DIR: t = file_type::directory; break;
    case DT_LNK: t = file_type::symlink; break;
    case DT_BLK: t = file_type::block_device; break;
    case DT_CHR: t = file_type::character_device; break;
    case DT_FIFO: t = file_type::fifo; break;
    case DT_SOCK: t = file_type::socket; break;
    default: break;
    }
    out.emplace_back(dir / std::filesystem::path(name), t);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return make_error(err);
  return out;
}

inline task<result<file_metadata>> statx_path(std::filesystem::path path, int flags) {
  const path_buf p(path);
  if (auto ec = p.check()) co_return ec;
  struct ::statx st {};
  auto r = co_await io::statx(AT_FDCWD, p.c_str(), flags, statx_mask, &st);
  if (!r) co_return r.error();
  co_return file_metadata(st);
}

inline task<result<void>> unlink_path(std::filesystem::path path, int flags) {
  const path_buf p(path);
  if (auto ec = p.check()) co_return ec;
  co_return co_await io::unlinkat(AT_FDCWD, p.c_str(), flags);
}
} // namespace detail

/// Copies the contents of `from` to `to` (created or truncated) and then its permission
/// bits; returns the bytes copied. In-kernel (copy_file_range, reflinks where the file
/// system has them) on the blocking pool.
/// Errors: EINVAL when `from` is not a regular file or `to` is the same file; open(2)'s.
inline task<result<std::uint64_t>> copy(std::filesystem::path from, std::filesystem::path to) {
  // The job is a named local: g++ 12 destroys a lambda temporary inside a co_await
  // expression twice.
  auto job = spawn_blocking(
      [from = std::move(from), to = std::move(to)] { return detail::copy_blocking(from, to); });
  co_return co_await job;
}

/// The metadata of `path`, following symlinks (statx).
inline task<result<file_metadata>> metadata(std::filesystem::path path) {
  return detail::statx_path(std::move(path), 0);
}
/// The metadata of `path` itself when it is a symlink.
inline task<result<file_metadata>> symlink_metadata(std::filesystem::path path) {
  return detail::statx_path(std::move(path), AT_SYMLINK_NOFOLLOW);
}

/// Creates the directory `path` (mode 0777 before the umask). Errors: EEXIST, ENOENT (no
/// parent), mkdir(2)'s.
inline task<result<void>> create_dir(std::filesystem::path path) {
  const detail::path_buf p(path);
  if (auto ec = p.check()) co_return ec;
  co_return co_await io::mkdirat(AT_FDCWD, p.c_str(), 0777);
}

/// Creates `path` and every missing parent; succeeds when it already is a directory.
/// Errors: EEXIST when `path` exists and is not a directory; mkdir(2)'s.
inline task<result<void>> create_dir_all(std::filesystem::path path) {
  // The job is a named local: g++ 12 destroys a lambda temporary inside a co_await
  // expression twice.
  auto job = spawn_blocking([path = std::move(path)]() -> result<void> {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (std::filesystem::exists(st) && !std::filesystem::is_directory(st))
      return make_error(EEXIST);
    std::filesystem::create_directories(path, ec);
    if (ec) return ec;
    if (!std::filesystem::is_directory(path, ec)) return make_error(EEXIST);
    return {};
  });
  co_return co_await job;
}

/// Removes the file (or symlink) `path`. Errors: ENOENT, EISDIR (a directory), unlink(2)'s.
inline task<result<void>> remove_file(std::filesystem::path path) {
  return detail::unlink_path(std::move(path), 0);
}
/// Removes the empty directory `path`. Errors: ENOTEMPTY, ENOTDIR, rmdir(2)'s.
inline task<result<void>> remove_dir(std::filesystem::path path) {
  return detail::unlink_path(std::move(path), AT_REMOVEDIR);
}
/// Removes `path` and everything below it (symlinks are removed, not followed).
/// Errors: ENOENT when `path` does not exist; the first removal error otherwise.
inline task<result<void>> remove_dir_all(std::filesystem::path path) {
  // The job is a named local: g++ 12 destroys a lambda temporary inside a co_await
  // expression twice.
  auto job = spawn_blocking([path = std::move(path)]() -> result<void> {
    std::error_code ec;
    const auto n = std::filesystem::remove_all(path, ec);
    if (ec) return ec;
    if (n == 0) return make_error(ENOENT);
    return {};
  });
  co_return co_await job;
}

/// Renames `from` to `to`, replacing `to` when it exists (rename(2) rules).
inline task<result<void>> rename(std::filesystem::path from, std::filesystem::path to) {
  const detail::path_buf a(from);
  const detail::path_buf b(to);
  if (auto ec = a.check()) co_return ec;
  if (auto ec = b.check()) co_return ec;
  co_return co_await io::renameat(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str());
}

/// The entries of directory `dir` (without "." and ".."), in the order the file system
/// returns them, on the blocking pool.
inline task<result<std::vector<dir_entry>>> read_dir(std::filesystem::path dir) {
  // The job is a named local: g++ 12 destroys a lambda temporary inside a co_await
  // expression twice.
  auto job = spawn_blocking([dir = std::move(dir)] { return detail::read_dir_blocking(dir); });
  co_return co_await job;
}

} // namespace weft::fs
