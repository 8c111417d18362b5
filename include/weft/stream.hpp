// weft/stream.hpp: streams: the async_stream concept, next(s), async_generator, sources,
// adaptors composed with `|` (`s | map(f) | take(10)`), and buffered byte readers/writers.
#pragma once

#include "weft/stream/adaptor.hpp"
#include "weft/stream/async_generator.hpp"
#include "weft/stream/async_stream.hpp"
#include "weft/stream/next.hpp"

#include "weft/stream/from_range.hpp"
#include "weft/stream/from_receiver.hpp"
#include "weft/stream/interval.hpp"
#include "weft/stream/iterate.hpp"
#include "weft/stream/repeat_with.hpp"

#include "weft/stream/buffer_unordered.hpp"
#include "weft/stream/buffered.hpp"
#include "weft/stream/chunks.hpp"
#include "weft/stream/filter.hpp"
#include "weft/stream/filter_map.hpp"
#include "weft/stream/flatten.hpp"
#include "weft/stream/map.hpp"
#include "weft/stream/merge.hpp"
#include "weft/stream/skip.hpp"
#include "weft/stream/take.hpp"
#include "weft/stream/take_while.hpp"
#include "weft/stream/then.hpp"
#include "weft/stream/throttle.hpp"
#include "weft/stream/timeout.hpp"
#include "weft/stream/zip.hpp"

#include "weft/stream/async_read.hpp"
#include "weft/stream/async_write.hpp"
#include "weft/stream/buffered_reader.hpp"
#include "weft/stream/buffered_writer.hpp"

#include "weft/stream/collect.hpp"
#include "weft/stream/fold.hpp"
#include "weft/stream/for_each.hpp"
