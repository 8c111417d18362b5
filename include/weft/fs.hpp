// weft/fs.hpp: files on the io_uring reactor: fs::file (open_options, positional and cursor
// I/O, sync, metadata, close), and the whole-file and directory helpers (operations.hpp).
#pragma once

#include "weft/fs/dir_entry.hpp"
#include "weft/fs/file.hpp"
#include "weft/fs/file_metadata.hpp"
#include "weft/fs/open_options.hpp"
#include "weft/fs/operations.hpp"
#include "weft/fs/write_outcome.hpp"
#include "weft/io.hpp"
#include "weft/io/file_ops.hpp"
