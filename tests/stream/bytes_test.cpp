// tests/stream/bytes_test.cpp: buffered_reader and buffered_writer over an in-memory pipe
// whose reads and writes are short by a random amount (seeded; the seed is printed), on
// the manual executor: line round trips byte-exact, read_until across chunk boundaries,
// the last line without a newline, empty input, a dropped read_line continuing where it
// stopped; then over a real pipe through weft::io::read/write on a runtime (1 MiB of
// lines, both ends buffered).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "byte_support.hpp"
#include "support/io_support.hpp"
#include "support/manual_executor.hpp"
#include "weft/core/join.hpp"
#include "weft/stream.hpp"
#include "weft/weft.hpp"

namespace {

namespace ws = weft::stream;
using weft::test::manual_executor;
using weft::test::mem_pipe;

static_assert(ws::async_read<mem_pipe::read_end>);
static_assert(ws::async_write<mem_pipe::write_end>);
static_assert(ws::async_read<ws::buffered_reader<mem_pipe::read_end>>);
static_assert(ws::async_write<ws::buffered_writer<mem_pipe::write_end>>);
static_assert(ws::async_read<weft::test::fd_reader>);

std::span<const std::byte> bytes(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::uint64_t test_seed() {
  static const std::uint64_t seed = [] {
    const std::uint64_t s = std::random_device{}();
    std::fprintf(stderr, "bytes_test seed: %llu\n", static_cast<unsigned long long>(s));
    return s;
  }();
  return seed;
}

std::vector<std::string> make_lines(std::uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string s(std::uniform_int_distribution<std::size_t>(0, 300)(rng), 'x');
    for (auto& c : s) c = static_cast<char>('a' + static_cast<int>(rng() % 26));
    out.push_back(std::move(s));
  }
  return out;
}

weft::task<weft::result<void>> write_lines(mem_pipe::write_end w, const std::vector<std::string>& lines,
                                           std::size_t cap) {
  ws::buffered_writer<mem_pipe::write_end> bw(w, cap);
  for (const auto& l : lines) {
    const std::string with_nl = l + "\n";
    auto r = co_await bw.write_all(bytes(with_nl));
    if (!r) co_return r;
  }
  auto f = co_await bw.flush();
  w.close();
  co_return f;
}

weft::task<std::vector<std::string>> read_lines(mem_pipe::read_end r, std::size_t cap) {
  ws::buffered_reader<mem_pipe::read_end> br(r, cap);
  std::vector<std::string> out;
  auto lines = br.lines();
  while (auto l = co_await ws::next(lines)) out.push_back(l->value());
  co_return out;
}

TEST(BufferedBytesTest, LinesRoundTripThroughShortReadsAndWrites) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (std::size_t cap : {1u, 7u, 64u, 4096u}) {
    SCOPED_TRACE("buffer capacity " + std::to_string(cap));
    const auto lines = make_lines(seed + cap, 200);
    mem_pipe pipe(seed ^ cap, 97);
    manual_executor ex;
    auto wrote = ex.spawn(write_lines(pipe.writer(), lines, cap));
    auto got = ex.spawn(read_lines(pipe.reader(), cap));
    ex.run_until_stalled();
    ASSERT_TRUE(wrote->has_value());
    EXPECT_TRUE(wrote->value().has_value());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, lines);
  }
}

/// Writes `text` through the pipe and closes it (the pipe's capacity must hold it all).
void preload(mem_pipe& p, const std::string& text) {
  manual_executor ex;
  auto w = p.writer();
  auto done = ex.spawn([](mem_pipe::write_end we, std::string t) -> weft::task<void> {
    std::size_t off = 0;
    while (off < t.size()) {
      auto n = co_await we.write(bytes(t).subspan(off));
      off += n.value();
    }
    we.close();
  }(w, text));
  ex.run_until_stalled();
  ASSERT_TRUE(done->has_value());
}

weft::task<std::string> read_all(ws::buffered_reader<mem_pipe::read_end>& r, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out;
  std::vector<std::byte> buf(64);
  for (;;) {
    // Sizes below and above the reader's capacity (16): through the buffer and around it.
    const std::size_t want = std::uniform_int_distribution<std::size_t>(0, 40)(rng);
    auto n = co_await r.read(std::span<std::byte>(buf).first(want));
    if (n.value() == 0 && want > 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), n.value());
  }
  co_return out;
}

TEST(BufferedBytesTest, ReadIsByteExactThroughAndAroundTheBuffer) {
  const std::uint64_t seed = test_seed();
  std::string text;
  for (const auto& l : make_lines(seed, 20)) text += l;
  mem_pipe p(seed, 1 << 16);
  preload(p, text);
  ws::buffered_reader<mem_pipe::read_end> br(p.reader(), 16);
  manual_executor ex;
  auto out = ex.spawn(read_all(br, seed));
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, text);
}

TEST(BufferedBytesTest, ReadUntilFindsDelimitersAcrossChunks) {
  mem_pipe p(test_seed(), 4096);
  preload(p, "alpha;beta;;gamma");
  ws::buffered_reader<mem_pipe::read_end> br(p.reader(), 3);
  manual_executor ex;
  auto out = ex.spawn([](auto& r) -> weft::task<std::vector<std::string>> {
    std::vector<std::string> parts;
    for (;;) {
      std::vector<std::byte> buf;
      auto n = co_await r.read_until(std::byte{';'}, buf);
      if (n.value() == 0) break;
      EXPECT_EQ(n.value(), buf.size());
      parts.emplace_back(reinterpret_cast<const char*>(buf.data()), buf.size());
    }
    co_return parts;
  }(br));
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<std::string>{"alpha;", "beta;", ";", "gamma"}));
}

TEST(BufferedBytesTest, ReadLineKeepsNewlinesAndLinesStripsThem) {
  mem_pipe p(test_seed(), 4096);
  preload(p, "one\r\ntwo\n\nlast");
  ws::buffered_reader<mem_pipe::read_end> br(p.reader(), 5);
  manual_executor ex;
  auto out = ex.spawn([](auto& r) -> weft::task<std::vector<std::string>> {
    std::vector<std::string> v;
    std::string first;
    (void)co_await r.read_line(first);
    v.push_back(first);  // "one\r\n"
    auto lines = r.lines();
    while (auto l = co_await ws::next(lines)) v.push_back(l->value());
    std::string after;
    auto at_end = co_await r.read_line(after);
    EXPECT_EQ(at_end.value(), 0u);  // end of stream
    co_return v;
  }(br));
  ex.run_until_stalled();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(**out, (std::vector<std::string>{"one\r\n", "two", "", "last"}));
}

TEST(BufferedBytesTest, EmptyInputEndsAtOnce) {
  mem_pipe p(test_seed());
  p.writer().close();
  auto got = [&] {
    manual_executor ex;
    auto o = ex.spawn(read_lines(p.reader(), 16));
    ex.run_until_stalled();
    return **o;
  }();
  EXPECT_TRUE(got.empty());
}

TEST(BufferedBytesTest, ADroppedReadLineContinuesWithTheSameOutput) {
  mem_pipe p(test_seed(), 4096);
  auto w = p.writer();
  ws::buffered_reader<mem_pipe::read_end> br(p.reader(), 4);
  std::string line;
  weft::waker wk = weft::noop_waker();
  weft::context cx(wk);
  {
    // Feed half a line, poll read_line until it waits, then drop it.
    manual_executor ex;
    auto pre = ex.spawn([](mem_pipe::write_end we) -> weft::task<void> {
      std::string half = "hello ";
      std::size_t off = 0;
      while (off < half.size()) off += (co_await we.write(bytes(half).subspan(off))).value();
    }(w));
    ex.run_until_stalled();
    ASSERT_TRUE(pre->has_value());
    auto t = br.read_line(line);
    EXPECT_TRUE(t.poll(cx).is_pending());
  }
  EXPECT_EQ(line, "hello ");  // what it had read is in the caller's string
  preload(p, "world\n");
  auto t2 = br.read_line(line);
  auto r = t2.poll(cx);
  ASSERT_TRUE(r.is_ready());
  EXPECT_EQ(r->value(), 6u);
  EXPECT_EQ(line, "hello world\n");
}

TEST(BufferedBytesTest, WriterBuffersSmallWritesAndPassesLargeOnes) {
  mem_pipe p(test_seed(), 1 << 16);
  ws::buffered_writer<mem_pipe::write_end> bw(p.writer(), 8);
  weft::waker wk = weft::noop_waker();
  weft::context cx(wk);
  const std::string abc = "abc";
  const std::string zs(100, 'z');  // the futures are lazy: their buffers must outlive them
  {
    auto t = bw.write(bytes(abc));
    auto r = t.poll(cx);
    ASSERT_TRUE(r.is_ready());
    EXPECT_EQ(r->value(), 3u);
  }
  EXPECT_EQ(bw.buffered(), 3u);
  {
    auto t = bw.write_all(bytes(zs));
    ASSERT_TRUE(t.poll(cx).is_ready());
  }
  {
    auto t = bw.flush();
    ASSERT_TRUE(t.poll(cx).is_ready());
  }
  EXPECT_EQ(bw.buffered(), 0u);
  p.writer().close();
  ws::buffered_reader<mem_pipe::read_end> br(p.reader(), 16);
  std::string all;
  auto t = br.read_line(all);
  auto r = t.poll(cx);
  ASSERT_TRUE(r.is_ready());
  EXPECT_EQ(all, "abc" + std::string(100, 'z'));
}

TEST(BufferedBytesTest, ErrorsReachTheCaller) {
  mem_pipe p(test_seed());
  p.writer().close();  // writes now fail with broken_pipe
  ws::buffered_writer<mem_pipe::write_end> bw(p.writer(), 4);
  weft::waker wk = weft::noop_waker();
  weft::context cx(wk);
  const std::string digits = "0123456789";
  auto t = bw.write_all(bytes(digits));
  auto r = t.poll(cx);
  ASSERT_TRUE(r.is_ready());
  EXPECT_EQ(r->error(), std::make_error_code(std::errc::broken_pipe));
}

TEST(BufferedBytesTest, RealPipeThroughTheRing) {
  weft::test::test_pipe pipe;
  const auto lines = make_lines(test_seed(), 6000);  // ~900 KB
  auto rt = weft::runtime::builder().current_thread().build();
  auto [wrote, got] = rt.block_on([](weft::test::test_pipe& tp, const std::vector<std::string>& ls)
                                      -> weft::task<std::pair<bool, std::vector<std::string>>> {
    auto writer = [](weft::test::test_pipe& p, const std::vector<std::string>& v) -> weft::task<bool> {
      ws::buffered_writer<weft::test::fd_writer> bw(weft::test::fd_writer{p.w()}, 4096);
      for (const auto& l : v) {
        const std::string with_nl = l + "\n";
        if (!co_await bw.write_all(bytes(with_nl))) co_return false;
      }
      const bool ok = static_cast<bool>(co_await bw.flush());
      p.close_write();
      co_return ok;
    };
    auto reader = [](int fd) -> weft::task<std::vector<std::string>> {
      ws::buffered_reader<weft::test::fd_reader> br(weft::test::fd_reader{fd}, 1000);
      std::vector<std::string> out;
      auto ls2 = br.lines();
      while (auto l = co_await ws::next(ls2)) out.push_back(l->value());
      co_return out;
    };
    auto [ok, v] = co_await weft::join(writer(tp, ls), reader(tp.r()));
    co_return std::pair{ok, std::move(v)};
  }(pipe, lines));
  EXPECT_TRUE(wrote);
  EXPECT_EQ(got, lines);
}

} // namespace
