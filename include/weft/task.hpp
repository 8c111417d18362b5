// weft/task.hpp: coroutine tasks and running a future on the current thread.
#pragma once

#include "weft/core.hpp"
#include "weft/task/block_on.hpp"
#include "weft/task/task.hpp"
