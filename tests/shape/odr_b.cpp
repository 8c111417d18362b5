// ODR check, translation unit B: the same umbrella include as odr_a.cpp.
#include <weft/weft.hpp>

#include <cstddef>

std::size_t weft_odr_b() { return sizeof(weft::waker); }
