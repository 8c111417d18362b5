// Package consumer: the smallest complete weft program. Exits 0 when block_on returns 42.
#include <weft/weft.hpp>

weft::task<int> answer() { co_return 42; }

int main() { return weft::block_on(answer()) == 42 ? 0 : 1; }
