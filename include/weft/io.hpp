// weft/io.hpp: the I/O reactors (io_uring, and epoll where io_uring is unavailable; chosen
// by weft/io/backend.hpp): rings, the drivers, operations. (The fault-injecting
// ring for tests is weft/testing/fault_ring.hpp, outside this umbrella.)
#pragma once

#include "weft/runtime.hpp"
#include "weft/io/backend.hpp"
#include "weft/io/epoll_driver.hpp"
#include "weft/io/uring_driver.hpp"
#include "weft/io/op_future.hpp"
#include "weft/io/ops.hpp"
#include "weft/io/ring.hpp"
