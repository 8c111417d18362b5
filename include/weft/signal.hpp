// weft/signal.hpp: Unix signals through the reactor: signal::signal(sig) (a stream of
// arrivals) and signal::ctrl_c() (a future), for graceful shutdown.
#pragma once

#include "weft/io.hpp"
#include "weft/signal/ctrl_c.hpp"
#include "weft/signal/signal_stream.hpp"
