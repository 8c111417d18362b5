// file_tool: copy and checksum large files with weft::fs. It shows positional file I/O on
// io_uring (read_exact_at / write_all_at at explicit offsets, so several chunks can be in
// flight on one file at once), a fixed number of worker coroutines sharing a chunk counter
// (the concurrency limit), and a progress bar drawn only when stdout is a terminal.
//
//   weft_example_file_tool copy SRC DST [--concurrency N] [--chunk-kib K]
//   weft_example_file_tool sum FILE     [--concurrency N] [--chunk-kib K]
//
// The checksum is a chunked FNV-1a: every chunk is hashed on its own (so chunks can be read
// in any order) and the chunk hashes are folded in file order. Two files have the same sum
// when their bytes are the same (for a fixed --chunk-kib); it is not a cryptographic hash.
// With WEFT_EXAMPLE_SMOKE=1 (as under ctest) it writes a 6 MiB temporary file, copies it
// with 4 chunks in flight, checks the copy's checksum and bytes, and removes both.
#include <weft/fs.hpp>
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct options {
  std::size_t concurrency = 4;
  std::size_t chunk = 1024 * 1024;
};

std::uint64_t fnv1a(std::span<const std::byte> data, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (std::byte b : data) {
    h ^= static_cast<std::uint64_t>(b);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Progress on a terminal: one line redrawn in place. Silent when stdout is a pipe or file.
class progress_bar {
public:
  progress_bar(const char* label, std::uint64_t total)
      : label_(label), total_(total), tty_(::isatty(STDOUT_FILENO) == 1) {}
  void advance(std::uint64_t n) {
    done_ += n;
    if (!tty_) return;
    const int width = 40;
    const int filled = total_ == 0 ? width : static_cast<int>(done_ * width / total_);
    std::printf("\r%s [%.*s%*s] %3d%%", label_, filled, "########################################",
                width - filled, "", total_ == 0 ? 100 : static_cast<int>(done_ * 100 / total_));
    std::fflush(stdout);
  }
  ~progress_bar() {
    if (tty_) std::printf("\n");
  }
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

private:
  const char* label_;
  std::uint64_t total_, done_ = 0;
  bool tty_;
};

// What both jobs share: `concurrency` worker coroutines, each taking the next chunk index
// until none is left, all awaited together with join_all. They run inside one task, so
// `next` and the bar need no locks; the kernel still has up to `concurrency` reads (and
// writes) in flight at once, which is where the speed comes from.
template <class PerChunk>
weft::task<bool> for_each_chunk(std::uint64_t len, const options& o, PerChunk per_chunk) {
  const std::uint64_t chunks = (len + o.chunk - 1) / o.chunk;
  std::uint64_t next = 0;
  auto worker = [&]() -> weft::task<bool> {
    std::vector<std::byte> buf(o.chunk);
    while (next < chunks) {
      const std::uint64_t i = next++;
      const std::uint64_t off = i * o.chunk;
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(o.chunk, len - off));
      if (!co_await per_chunk(i, off, std::span(buf).first(n))) co_return false;
    }
    co_return true;
  };
  std::vector<weft::task<bool>> workers;
  for (std::size_t w = 0; w < o.concurrency; ++w) workers.push_back(worker());
  bool ok = true;
  for (bool b : co_await weft::join_all(std::move(workers))) ok = ok && b;
  co_return ok;
}

weft::task<std::optional<std::uint64_t>> checksum(std::filesystem::path path, options o) {
  auto f = co_await weft::fs::file::open(path);
  if (!f) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), f.error().message().c_str());
    co_return std::nullopt;
  }
  auto meta = co_await f->metadata();
  if (!meta) co_return std::nullopt;
  const std::uint64_t len = meta->len();
  std::vector<std::uint64_t> sums((len + o.chunk - 1) / o.chunk);
  progress_bar bar("sum ", len);
  const bool ok = co_await for_each_chunk(
      len, o, [&](std::uint64_t i, std::uint64_t off, std::span<std::byte> buf) -> weft::task<bool> {
        if (!co_await f->read_exact_at(buf, off)) co_return false;
        // Hashing 1 MiB takes about a millisecond: fine on a worker. A much slower hash
        // (SHA-256 of big chunks) would go to weft::spawn_blocking instead.
        sums[i] = fnv1a(buf);
        bar.advance(buf.size());
        co_return true;
      });
  if (!ok) co_return std::nullopt;
  co_return fnv1a(std::as_bytes(std::span(sums)));
}

weft::task<bool> copy_file(std::filesystem::path from, std::filesystem::path to, options o) {
  auto src = co_await weft::fs::file::open(from);
  if (!src) {
    std::fprintf(stderr, "%s: %s\n", from.c_str(), src.error().message().c_str());
    co_return false;
  }
  auto meta = co_await src->metadata();
  if (!meta) co_return false;
  const std::uint64_t len = meta->len();
  auto dst = co_await weft::fs::file::create(to);
  if (!dst) {
    std::fprintf(stderr, "%s: %s\n", to.c_str(), dst.error().message().c_str());
    co_return false;
  }
  // Size the destination first: chunks then land at their offsets in any order.
  if (!co_await dst->set_len(len)) co_return false;
  progress_bar bar("copy", len);
  const bool ok = co_await for_each_chunk(
      len, o, [&](std::uint64_t, std::uint64_t off, std::span<std::byte> buf) -> weft::task<bool> {
        if (!co_await src->read_exact_at(buf, off)) co_return false;
        const weft::fs::write_outcome w = co_await dst->write_all_at(buf, off);
        if (!w) {
          std::fprintf(stderr, "%s: %s\n", to.c_str(), w.error.message().c_str());
          co_return false;
        }
        bar.advance(buf.size());
        co_return true;
      });
  // close() reports write-back errors that a silent close in the destructor would lose.
  auto closed = co_await dst->close();
  co_return ok && closed;
}

weft::task<int> smoke(options o) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto a = dir / ("weft_file_tool_" + std::to_string(::getpid()) + ".src");
  const auto b = dir / ("weft_file_tool_" + std::to_string(::getpid()) + ".dst");
  std::vector<std::byte> data(6 * 1024 * 1024 + 12345);  // not a whole number of chunks
  std::uint64_t x = 42;
  for (auto& byte : data) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    byte = std::byte(static_cast<unsigned char>(x >> 56));
  }
  if (!co_await weft::fs::write(a, data)) co_return 1;
  const auto t0 = weft::time::now();
  const bool copied = co_await copy_file(a, b, o);
  const double secs = std::chrono::duration<double>(weft::time::now() - t0).count();
  const auto sa = co_await checksum(a, o);
  const auto sb = co_await checksum(b, o);
  auto back = co_await weft::fs::read(b);
  const bool same = back && *back == data;
  std::printf("copied %zu bytes in %.3f s with %zu chunks in flight; sums %016llx %016llx; %s\n",
              data.size(), secs, o.concurrency, static_cast<unsigned long long>(sa.value_or(0)),
              static_cast<unsigned long long>(sb.value_or(0)), same ? "bytes equal" : "BYTES DIFFER");
  (void)co_await weft::fs::remove_file(a);
  (void)co_await weft::fs::remove_file(b);
  co_return copied && sa && sb && *sa == *sb && same ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--concurrency" && i + 1 < argc) {
      o.concurrency = std::max<std::size_t>(1, std::strtoul(argv[++i], nullptr, 10));
    } else if (a == "--chunk-kib" && i + 1 < argc) {
      o.chunk = std::max<std::size_t>(1, std::strtoul(argv[++i], nullptr, 10)) * 1024;
    } else {
      args.push_back(a);
    }
  }
  const char* smoke_env = std::getenv("WEFT_EXAMPLE_SMOKE");
  if (smoke_env != nullptr && std::strcmp(smoke_env, "1") == 0) return weft::block_on(smoke(o));
  if (args.size() == 3 && args[0] == "copy") {
    return weft::block_on(copy_file(args[1], args[2], o)) ? 0 : 1;
  }
  if (args.size() == 2 && args[0] == "sum") {
    auto s = weft::block_on(checksum(args[1], o));
    if (!s) return 1;
    std::printf("%016llx  %s\n", static_cast<unsigned long long>(*s), args[1].c_str());
    return 0;
  }
  std::fprintf(stderr,
               "usage: %s copy SRC DST [--concurrency N] [--chunk-kib K]\n"
               "       %s sum FILE [--concurrency N] [--chunk-kib K]\n",
               argv[0], argv[0]);
  return 2;
}
