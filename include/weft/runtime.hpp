// weft/runtime.hpp: the executor: runtime, builder, handle, spawn and friends, join handles,
// task groups, metrics.
#pragma once

#include "weft/task.hpp"
#include "weft/runtime/config.hpp"
#include "weft/runtime/driver.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/task/join_result.hpp"
#include "weft/runtime/metrics.hpp"
#include "weft/runtime/runtime.hpp"
#include "weft/runtime/spawn.hpp"
#include "weft/runtime/task_group.hpp"
