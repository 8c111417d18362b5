// ODR check, translation unit A: includes the umbrella header. If a header defines a
// non-inline function or variable, linking this with odr_b.cpp fails.
#include <weft/weft.hpp>

#include <cstddef>

std::size_t weft_odr_a() { return sizeof(weft::waker); }
