// weft/fs/file_metadata.hpp: file_metadata, what statx(2) says about a file (type, size,
// permissions, times, direct-I/O alignment), and file_type.
#pragma once

#include <chrono>
#include <cstdint>

#include <fcntl.h>
#include <sys/stat.h>

namespace weft::fs {

/// The kind of a file system object.
enum class file_type : std::uint8_t {
  unknown,
  regular,
  directory,
  symlink,
  block_device,
  character_device,
  fifo,
  socket
};

/// Converts the S_IFMT bits of a mode.
constexpr file_type file_type_from_mode(unsigned mode) noexcept {
  switch (mode & S_IFMT) {
  case S_IFREG: return file_type::regular;
  case S_IFDIR: return file_type::directory;
  case S_IFLNK: return file_type::symlink;
  case S_IFBLK: return file_type::block_device;
  case S_IFCHR: return file_type::character_device;
  case S_IFIFO: return file_type::fifo;
  case S_IFSOCK: return file_type::socket;
  default: return file_type::unknown;
  }
}

/// A snapshot of a file's metadata (statx).
class file_metadata {
public:
  using time_point = std::chrono::system_clock::time_point;

  file_metadata() = default;
  explicit file_metadata(const struct ::statx& s) noexcept : s_(s) {}

  [[nodiscard]] file_type type() const noexcept { return file_type_from_mode(s_.stx_mode); }
  [[nodiscard]] bool is_file() const noexcept { return type() == file_type::regular; }
  [[nodiscard]] bool is_dir() const noexcept { return type() == file_type::directory; }
  [[nodiscard]] bool is_symlink() const noexcept { return type() == file_type::symlink; }
  /// The size in bytes.
  [[nodiscard]] std::uint64_t len() const noexcept { return s_.stx_size; }
  /// The permission bits (07777).
  [[nodiscard]] unsigned permissions() const noexcept { return s_.stx_mode & 07777U; }
  [[nodiscard]] std::uint64_t inode() const noexcept { return s_.stx_ino; }
  [[nodiscard]] std::uint32_t nlink() const noexcept { return s_.stx_nlink; }
  [[nodiscard]] std::uint32_t uid() const noexcept { return s_.stx_uid; }
  [[nodiscard]] std::uint32_t gid() const noexcept { return s_.stx_gid; }
  /// Blocks allocated, in 512-byte units.
  [[nodiscard]] std::uint64_t blocks() const noexcept { return s_.stx_blocks; }
  [[nodiscard]] time_point modified() const noexcept { return to_time(s_.stx_mtime); }
  [[nodiscard]] time_point accessed() const noexcept { return to_time(s_.stx_atime); }
  /// Birth time, or the epoch when the file system does not record it.
  [[nodiscard]] time_point created() const noexcept {
    return (s_.stx_mask & STATX_BTIME) != 0 ? to_time(s_.stx_btime) : time_point{};
  }
  /// The alignment O_DIRECT needs for buffer addresses, and for offsets and lengths
  /// (STATX_DIOALIGN, Linux 6.1); 0 when the file system does not report it.
  [[nodiscard]] std::uint32_t dio_mem_align() const noexcept { return s_.stx_dio_mem_align; }
  [[nodiscard]] std::uint32_t dio_offset_align() const noexcept { return s_.stx_dio_offset_align; }
  /// The raw statx record.
  [[nodiscard]] const struct ::statx& raw() const noexcept { return s_; }

private:
  static time_point to_time(const struct ::statx_timestamp& t) noexcept {
    return time_point(std::chrono::duration_cast<time_point::duration>(
        std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec)));
  }
  struct ::statx s_ {};
};

/// The statx mask weft asks for.
inline constexpr unsigned statx_mask = STATX_BASIC_STATS | STATX_BTIME;

} // namespace weft::fs
