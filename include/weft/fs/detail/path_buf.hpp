// weft/fs/detail/path_buf.hpp: path_buf, a heap copy of a path as a C string at an address
// that never moves (the kernel reads it after the future that submitted it may have moved),
// with the check that it holds no NUL byte (which the kernel would silently cut it at).
#pragma once

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

namespace weft::fs::detail {

class path_buf {
public:
  explicit path_buf(const std::filesystem::path& p) {
    const std::string& s = p.native();
    valid_ = s.find('\0') == std::string::npos;
    buf_ = std::make_unique<char[]>(s.size() + 1);
    std::memcpy(buf_.get(), s.c_str(), s.size() + 1);
  }
  /// Null-terminated; stable for the life of this object (also across moves).
  [[nodiscard]] const char* c_str() const noexcept { return buf_.get(); }
  /// The error for a path the kernel cannot be given (an embedded NUL), or none.
  [[nodiscard]] std::error_code check() const noexcept {
    return valid_ ? std::error_code{} : std::make_error_code(std::errc::invalid_argument);
  }

private:
  std::unique_ptr<char[]> buf_;
  bool valid_ = true;
};

} // namespace weft::fs::detail
