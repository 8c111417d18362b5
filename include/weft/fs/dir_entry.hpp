// weft/fs/dir_entry.hpp: dir_entry, one name read_dir found in a directory, with the file
// type the directory itself records (d_type; unknown on file systems that do not store it).
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "weft/fs/file_metadata.hpp"

namespace weft::fs {

class dir_entry {
public:
  dir_entry(std::filesystem::path path, file_type type) : path_(std::move(path)), type_(type) {}

  /// The directory's path joined with file_name().
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::filesystem::path file_name() const { return path_.filename(); }
  /// The type as the directory records it; file_type::unknown means "ask metadata()".
  [[nodiscard]] file_type type() const noexcept { return type_; }

private:
  std::filesystem::path path_;
  file_type type_;
};

} // namespace weft::fs
