// weft/fs/open_options.hpp: open_options, how fs::file::open opens a file (as Rust's
// std::fs::OpenOptions): access (read, write, append), creation (create, create_new,
// truncate), the mode of a created file, and O_DIRECT. Every file weft opens is O_CLOEXEC.
#pragma once

#include <system_error>

#include <fcntl.h>
#include <sys/types.h>

#include "weft/core/result.hpp"

namespace weft::fs {

/// Options for fs::file::open. Setters chain: `open_options().write(true).create(true)`.
class open_options {
public:
  /// Read access.
  open_options& read(bool v) noexcept { return set(read_, v); }
  /// Write access.
  open_options& write(bool v) noexcept { return set(write_, v); }
  /// Write access where every cursor write goes to the end of the file (O_APPEND).
  open_options& append(bool v) noexcept { return set(append_, v); }
  /// Empties the file on open (needs write access).
  open_options& truncate(bool v) noexcept { return set(truncate_, v); }
  /// Creates the file when it does not exist (needs write or append).
  open_options& create(bool v) noexcept { return set(create_, v); }
  /// Creates the file, failing with EEXIST when it exists (implies create; needs write or
  /// append). Dangling symlinks count as existing (O_EXCL).
  open_options& create_new(bool v) noexcept { return set(create_new_, v); }
  /// The permission bits of a created file, before the umask (default 0666).
  open_options& mode(mode_t m) noexcept {
    mode_ = m;
    return *this;
  }
  /// Direct I/O (O_DIRECT): buffers, offsets and lengths of reads and writes must be
  /// multiples of the file's alignment (file::direct_alignment()); others fail with EINVAL.
  open_options& direct(bool v) noexcept { return set(direct_, v); }
  /// Extra open(2) flags or'ed in (e.g. O_NOFOLLOW, O_NOATIME). O_CLOEXEC is always set.
  open_options& custom_flags(int f) noexcept {
    custom_ = f;
    return *this;
  }

  [[nodiscard]] bool is_direct() const noexcept { return direct_; }
  [[nodiscard]] mode_t get_mode() const noexcept { return mode_; }

  /// The open(2) flags, or EINVAL for a combination that makes no sense (no access mode;
  /// create/truncate without write access; truncate with append).
  [[nodiscard]] result<int> flags() const noexcept {
    int f = O_CLOEXEC | (custom_ & ~O_ACCMODE);
    const bool writes = write_ || append_;
    if (read_ && writes) {
      f |= O_RDWR;
    } else if (writes) {
      f |= O_WRONLY;
    } else if (read_) {
      f |= O_RDONLY;
    } else {
      return std::errc::invalid_argument;
    }
    if ((truncate_ || create_ || create_new_) && !writes) return std::errc::invalid_argument;
    if (truncate_ && append_ && !write_) return std::errc::invalid_argument;
    if (append_) f |= O_APPEND;
    if (truncate_ && !create_new_) f |= O_TRUNC;
    if (create_new_) {
      f |= O_CREAT | O_EXCL;
    } else if (create_) {
      f |= O_CREAT;
    }
    if (direct_) f |= O_DIRECT;
    return f;
  }

private:
  open_options& set(bool& field, bool v) noexcept {
    field = v;
    return *this;
  }
  bool read_ = false;
  bool write_ = false;
  bool append_ = false;
  bool truncate_ = false;
  bool create_ = false;
  bool create_new_ = false;
  bool direct_ = false;
  int custom_ = 0;
  mode_t mode_ = 0666;
};

} // namespace weft::fs
