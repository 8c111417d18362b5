// weft/runtime.hpp: the executor: runtime, builder, handle, spawn and friends, task groups,
// metrics, the driver interface. (Join handles and results are the task layer's.)
#pragma once

#include "weft/task.hpp"
#include "weft/runtime/config.hpp"
#include "weft/runtime/driver.hpp"
#include "weft/runtime/handle.hpp"
#include "weft/runtime/metrics.hpp"
#include "weft/runtime/runtime.hpp"
#include "weft/runtime/runtime_builder.hpp"
#include "weft/runtime/spawn.hpp"
#include "weft/runtime/spawn_error.hpp"
#include "weft/runtime/task_group.hpp"
