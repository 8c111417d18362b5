// ODR check: links odr_a.cpp and odr_b.cpp, which both include <weft/weft.hpp>, and checks
// that both translation units agree on the layout of a core type.
#include <cstddef>

std::size_t weft_odr_a();
std::size_t weft_odr_b();

int main() { return weft_odr_a() == weft_odr_b() && weft_odr_a() != 0 ? 0 : 1; }
