// weft/runtime/spawn_error.hpp: spawn_error, what spawning onto a runtime that is shutting
// down, gone, or absent throws.
#pragma once

#include <stdexcept>

namespace weft {

/// Thrown by spawn when the runtime is shutting down or absent.
class spawn_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace weft
