// pipe_pump: two tasks move 8 MiB through a pipe with io_uring reads and writes, and the
// reader checks every byte. Also shows a custom runtime built with the builder.
#include <weft/weft.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

weft::task<weft::result<void>> produce(int fd, std::size_t total) {
  std::vector<std::byte> chunk(64 * 1024);
  for (std::size_t sent = 0; sent < total; sent += chunk.size()) {
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = std::byte((sent + i) % 251);
    auto r = co_await weft::io::write_all(fd, chunk);
    if (!r) co_return r;
  }
  ::close(fd);  // EOF for the reader
  co_return weft::result<void>{};
}

weft::task<std::size_t> consume(int fd) {
  std::vector<std::byte> buf(32 * 1024);
  std::size_t seen = 0;
  for (;;) {
    auto n = co_await weft::io::read(fd, buf);
    if (!n || *n == 0) break;
    for (std::size_t i = 0; i < *n; ++i) {
      if (buf[i] != std::byte((seen + i) % 251)) co_return 0;
    }
    seen += *n;
  }
  co_return seen;
}

int main() {
  auto rt = weft::runtime::builder().workers(2).thread_name("pump").build();
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return 1;
  const std::size_t total = 8u << 20;
  auto writer = rt.spawn(produce(p[1], total));
  const std::size_t got = rt.block_on(consume(p[0]));
  const bool ok = rt.block_on(std::move(writer)).has_value();
  ::close(p[0]);
  std::printf("moved %zu bytes through a pipe, byte-exact: %s\n", got, got == total ? "yes" : "no");
  return ok && got == total ? 0 : 1;
}
