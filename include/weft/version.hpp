// weft/version.hpp: the single source of weft's version number.
#pragma once

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 1
#define WEFT_VERSION_PATCH 0
#define WEFT_VERSION_STRING "0.1.0"

namespace weft {
/// The version weft was built as, `major * 10000 + minor * 100 + patch`.
inline constexpr int version = WEFT_VERSION_MAJOR * 10000 + WEFT_VERSION_MINOR * 100 + WEFT_VERSION_PATCH;
} // namespace weft
