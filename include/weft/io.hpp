// weft/io.hpp: the io_uring reactor: rings, the driver, operations. (The fault-injecting
// ring for tests is weft/testing/fault_ring.hpp, outside this umbrella.)
#pragma once

#include "weft/runtime.hpp"
#include "weft/io/uring_driver.hpp"
#include "weft/io/op_future.hpp"
#include "weft/io/ops.hpp"
#include "weft/io/ring.hpp"
