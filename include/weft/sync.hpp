// weft/sync.hpp: umbrella for the sync layer: channels (oneshot, mpsc, broadcast, watch)
// and async locks and signals (mutex, rwlock, semaphore, notify, barrier, once_cell).
#pragma once

#include "weft/sync/mpsc.hpp"
#include "weft/sync/oneshot.hpp"
#include "weft/sync/send_result.hpp"
