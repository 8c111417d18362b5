// weft/core.hpp: the future model: poll, waker, context, the future concept, results and the
// combinators.
#pragma once

#include "weft/core/context.hpp"
#include "weft/core/coop.hpp"
#include "weft/core/future.hpp"
#include "weft/core/join.hpp"
#include "weft/core/join_all.hpp"
#include "weft/core/poll.hpp"
#include "weft/core/ready.hpp"
#include "weft/core/result.hpp"
#include "weft/core/select.hpp"
#include "weft/core/try_join.hpp"
#include "weft/core/waker.hpp"
#include "weft/core/yield_now.hpp"
