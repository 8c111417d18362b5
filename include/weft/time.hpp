// weft/time.hpp: time: sleep, sleep_until, timeout, interval, the (pausable) clock.
#pragma once

#include "weft/io.hpp"
#include "weft/time/clock.hpp"
#include "weft/time/interval.hpp"
#include "weft/time/sleep.hpp"
#include "weft/time/timeout.hpp"
