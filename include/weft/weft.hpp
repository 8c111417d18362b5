// weft/weft.hpp: the umbrella header: everything weft offers.
#pragma once

#include "weft/config.hpp"
#include "weft/version.hpp"
#include "weft/core.hpp"
#include "weft/task.hpp"
#include "weft/runtime.hpp"
#include "weft/io.hpp"
#include "weft/time.hpp"
#include "weft/net.hpp"
#include "weft/fs.hpp"
#include "weft/signal.hpp"
#include "weft/sync.hpp"
#include "weft/stream.hpp"
