// bench/fs/fs_bench.cpp: reading a file that sits in the page cache with 64 KiB reads through
// fs::file::read_at, at queue depth 1 (one task, reads back to back) and 8 (eight tasks, each
// reading every eighth block), on a current-thread runtime; beside a raw liburing loop doing
// the same job on one thread (same ring flags; queue depth 8 keeps 8 reads in flight by
// resubmitting at each completion) as the ceiling.
//
// The file: WEFT_BENCH_FS_FILE (default /tmp/weft-bench-fs.dat), WEFT_BENCH_FS_MIB MiB
// (default 1024), created once and read once before measuring so it is cached.
// Run:  taskset -c 0 build/bench/bench/weft_bench_fs --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <fcntl.h>
#include <liburing.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weft/fs.hpp"
#include "weft/weft.hpp"

namespace {

constexpr std::size_t block = 64 * 1024;

struct bench_file {
  std::string path;
  std::size_t size = 0;
};

const bench_file& the_file() {
  static const bench_file f = [] {
    bench_file b;
    const char* p = std::getenv("WEFT_BENCH_FS_FILE");
    b.path = p != nullptr ? p : "/tmp/weft-bench-fs.dat";
    const char* m = std::getenv("WEFT_BENCH_FS_MIB");
    b.size = static_cast<std::size_t>(m != nullptr ? std::atol(m) : 1024) << 20;
    struct stat st {};
    if (::stat(b.path.c_str(), &st) != 0 || static_cast<std::size_t>(st.st_size) != b.size) {
      const int fd = ::open(b.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      std::vector<char> buf(1 << 20);
      for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 31 + 7);
      for (std::size_t off = 0; off < b.size; off += buf.size()) {
        if (::pwrite(fd, buf.data(), buf.size(), static_cast<off_t>(off)) < 0) std::abort();
      }
      ::close(fd);
    }
    // Warm the page cache.
    const int fd = ::open(b.path.c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<char> buf(1 << 20);
    while (::read(fd, buf.data(), buf.size()) > 0) {}
    ::close(fd);
    return b;
  }();
  return f;
}

// One reader of blocks first, first + stride, first + 2·stride, ... of the file.
weft::task<std::size_t> reader(weft::fs::file& f, std::size_t size, std::size_t first,
                               std::size_t stride) {
  std::vector<std::byte> buf(block);
  std::size_t total = 0;
  for (std::size_t off = first * block; off < size; off += stride * block) {
    auto n = co_await f.read_at(buf, off);
    if (!n || *n != block) co_return 0;
    total += *n;
  }
  co_return total;
}

weft::task<std::size_t> read_file(weft::fs::file& f, std::size_t size, std::size_t depth) {
  if (depth == 1) co_return co_await reader(f, size, 0, 1);
  std::vector<weft::join_handle<std::size_t>> hs;
  for (std::size_t i = 0; i < depth; ++i) hs.push_back(weft::spawn(reader(f, size, i, depth)));
  std::size_t total = 0;
  for (auto& h : hs) total += co_await h;
  co_return total;
}

void BM_fs_read_file(benchmark::State& state) {
  const auto& bf = the_file();
  const auto depth = static_cast<std::size_t>(state.range(0));
  auto rt = weft::runtime::builder().current_thread().build();
  auto f = rt.block_on(weft::fs::file::open(bf.path)).value();
  for (auto _ : state) {
    const std::size_t n = rt.block_on(read_file(f, bf.size, depth));
    if (n != bf.size) state.SkipWithError("short read");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bf.size));
  (void)rt.block_on(f.close());
}
BENCHMARK(BM_fs_read_file)->Arg(1)->Arg(8)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_fs_read_file_raw_liburing(benchmark::State& state) {
  const auto& bf = the_file();
  const auto depth = static_cast<unsigned>(state.range(0));
  io_uring ring{};
  io_uring_params p{};
  p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
            IORING_SETUP_DEFER_TASKRUN;
  if (io_uring_queue_init_params(256, &ring, &p) < 0) {
    state.SkipWithError("io_uring_queue_init failed");
    return;
  }
  const int fd = ::open(bf.path.c_str(), O_RDONLY | O_CLOEXEC);
  std::vector<std::vector<char>> bufs(depth, std::vector<char>(block));
  const std::size_t blocks = bf.size / block;
  for (auto _ : state) {
    std::size_t next = 0;
    std::size_t done = 0;
    std::size_t bytes = 0;
    auto submit = [&](unsigned slot) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) std::abort(); // depth <= 8 < 256 entries: never
      io_uring_prep_read(sqe, fd, bufs[slot].data(), block, next * block);
      io_uring_sqe_set_data64(sqe, slot);
      ++next;
    };
    for (unsigned s = 0; s < depth && next < blocks; ++s) submit(s);
    while (done < blocks) {
      io_uring_submit_and_wait(&ring, 1);
      io_uring_cqe* cqe = nullptr;
      unsigned head = 0;
      unsigned seen = 0;
      io_uring_for_each_cqe(&ring, head, cqe) {
        ++seen;
        ++done;
        if (cqe->res > 0) bytes += static_cast<std::size_t>(cqe->res);
        const auto slot = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
        if (next < blocks) submit(slot);
      }
      io_uring_cq_advance(&ring, seen);
    }
    if (bytes != bf.size) state.SkipWithError("short read");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bf.size));
  ::close(fd);
  io_uring_queue_exit(&ring);
}
BENCHMARK(BM_fs_read_file_raw_liburing)
    ->Arg(1)
    ->Arg(8)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

} // namespace
