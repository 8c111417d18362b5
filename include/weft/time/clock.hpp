// weft/time/clock.hpp: weft::time::now, pause, resume, advance (the clock itself lives with
// the reactor, in io/clock.hpp, because the drivers read it).
#pragma once

#include "weft/io/clock.hpp"
