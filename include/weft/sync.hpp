// weft/sync.hpp: umbrella for the sync layer: channels (oneshot, mpsc, broadcast, watch)
// and async locks and signals (mutex, rwlock, semaphore, notify, barrier, once_cell).
#pragma once

#include "weft/sync/barrier.hpp"
#include "weft/sync/broadcast.hpp"
#include "weft/sync/mpsc.hpp"
#include "weft/sync/mutex.hpp"
#include "weft/sync/notify.hpp"
#include "weft/sync/once_cell.hpp"
#include "weft/sync/oneshot.hpp"
#include "weft/sync/rwlock.hpp"
#include "weft/sync/semaphore.hpp"
#include "weft/sync/send_result.hpp"
#include "weft/sync/watch.hpp"
