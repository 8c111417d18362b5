// weft/io.hpp: the io_uring reactor: rings, the driver, operations.
#pragma once

#include "weft/runtime.hpp"
#include "weft/io/driver.hpp"
#include "weft/io/fault_ring.hpp"
#include "weft/io/op_future.hpp"
#include "weft/io/ops.hpp"
#include "weft/io/ring.hpp"
