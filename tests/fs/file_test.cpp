// tests/fs/file_test.cpp: fs::file on real files in a temp dir: sizes 0, 1, 4095–4097 and
// 64 MiB round trip byte-exact; reads at and past EOF return 0 (never an error); read_exact
// reports a short file; cursor I/O, seek and append; open_options errors; set_len, sync,
// metadata; close() and a closed handle; O_DIRECT with aligned and misaligned buffers.
#include <gtest/gtest.h>

#include <weft/fs.hpp>
#include <weft/fs/file.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fs/fs_support.hpp"
#include "support/runtime_support.hpp"
#include "weft/weft.hpp"

namespace {

using weft::task;
using weft::test::bytes_of;
using weft::test::pattern;
using weft::test::temp_dir;
namespace fs = weft::fs;

weft::runtime make_rt() { return weft::runtime::builder().workers(2).build(); }

class FsFileTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(FsFileTest, WriteThenReadIsByteExact) {
  const std::size_t n = GetParam();
  temp_dir dir;
  const auto path = dir / "f";
  const auto data = pattern(n, static_cast<std::uint32_t>(n));
  auto rt = make_rt();
  rt.block_on([&]() -> task<void> {
    auto w = co_await fs::write(path, data);
    EXPECT_TRUE(w) << w.error.message();
    EXPECT_EQ(w.bytes_written, n);
    auto md = co_await fs::metadata(path);
    EXPECT_TRUE(md);
    EXPECT_EQ(md->len(), n);
    EXPECT_TRUE(md->is_file());
    auto back = co_await fs::read(path);
    EXPECT_TRUE(back);
    EXPECT_EQ(back->size(), n);
    EXPECT_TRUE(*back == data);

    // Positional: the whole file in one read_exact_at, then 0 at the end and past it.
    auto f = (co_await fs::file::open(path)).value();
    std::vector<std::byte> buf(n + 10);
    EXPECT_TRUE(co_await f.read_exact_at(std::span(buf).first(n), 0));
    EXPECT_TRUE(std::equal(data.begin(), data.end(), buf.begin()));
    EXPECT_EQ((co_await f.read_at(buf, n)).value(), 0U);
    EXPECT_EQ((co_await f.read_at(buf, n + 4096)).value(), 0U);
    if (n > 0) {
      // A read that straddles EOF is short, not an error, and the next one says 0.
      EXPECT_EQ((co_await f.read_at(buf, n - 1)).value(), 1U);
      EXPECT_EQ(buf[0], data[n - 1]);
    }
    auto e = co_await f.read_exact_at(std::span(buf).first(n + 1), 0);
    EXPECT_EQ(e.error(), weft::io::unexpected_eof());
    EXPECT_TRUE(co_await f.close());
  }());
}

INSTANTIATE_TEST_SUITE_P(Sizes, FsFileTest,
                         ::testing::Values(0, 1, 4095, 4096, 4097, std::size_t{64} << 20));

TEST(FsFileTest, CursorReadWriteSeekAndAppend) {
  temp_dir dir;
  const auto path = dir / "c";
  auto rt = make_rt();
  rt.block_on([&]() -> task<void> {
    auto f = (co_await fs::file::open(path, fs::open_options().read(true).write(true).create(true)))
                 .value();
    EXPECT_TRUE(co_await f.write_all(bytes_of("hello ")));
    EXPECT_TRUE(co_await f.write_all(bytes_of("world")));
    EXPECT_EQ(f.seek(0, fs::seek_from::current).value(), 11U);
    EXPECT_EQ(f.seek(0).value(), 0U);
    std::string s(5, '\0');
    EXPECT_TRUE(co_await f.read_exact(std::as_writable_bytes(std::span(s.data(), s.size()))));
    EXPECT_EQ(s, "hello");
    EXPECT_EQ(f.seek(-5, fs::seek_from::end).value(), 6U);
    EXPECT_TRUE(co_await f.read_exact(std::as_writable_bytes(std::span(s.data(), s.size()))));
    EXPECT_EQ(s, "world");
    std::byte b[4];
    EXPECT_EQ((co_await f.read(b)).value(), 0U); // at EOF
    EXPECT_FALSE(f.seek(-100, fs::seek_from::current));
    EXPECT_TRUE(co_await f.close());

    auto a = (co_await fs::file::open(path, fs::open_options().append(true))).value();
    EXPECT_TRUE(co_await a.write_all(bytes_of("!")));
    EXPECT_TRUE(co_await a.close());
    auto all = co_await fs::read_to_string(path);
    EXPECT_EQ(all.value(), "hello world!");
  }());
}

TEST(FsFileTest, OpenErrorsAreValues) {
  temp_dir dir;
  auto rt = make_rt();
  rt.block_on([&]() -> task<void> {
    auto missing = co_await fs::file::open(dir / "missing");
    EXPECT_EQ(missing.error(), std::errc::no_such_file_or_directory);
    auto none = co_await fs::file::open(dir / "x", fs::open_options());
    EXPECT_EQ(none.error(), std::errc::invalid_argument);
    auto create_ro = co_await fs::file::open(dir / "x", fs::open_options().read(true).create(true));
    EXPECT_EQ(create_ro.error(), std::errc::invalid_argument);
    auto nul = co_await fs::file::open(std::string("a\0b", 3));
    EXPECT_EQ(nul.error(), std::errc::invalid_argument);
    auto made = co_await fs::file::open(dir / "n", fs::open_options().write(true).create_new(true));
    EXPECT_TRUE(made);
    auto again =
        co_await fs::file::open(dir / "n", fs::open_options().write(true).create_new(true));
    EXPECT_EQ(again.error(), std::errc::file_exists);
    auto isdir = co_await fs::file::open(dir.path(), fs::open_options().write(true));
    EXPECT_EQ(isdir.error(), std::errc::is_a_directory);
    if (made) {
      EXPECT_TRUE(co_await made->close());
    }
  }());
}

TEST(FsFileTest, ModeOfACreatedFile) {
  temp_dir dir;
  auto rt = make_rt();
  rt.block_on([&]() -> task<void> {
    const mode_t old = ::umask(0);
    auto f =
        co_await fs::file::open(dir / "m", fs::open_options().write(true).create(true).mode(0640));
    ::umask(old);
    EXPECT_TRUE(f);
    auto md = (co_await f->metadata()).value();
    EXPECT_EQ(md.permissions(), 0640U);
    EXPECT_TRUE(co_await f->close());
  }());
}

TEST(FsFileTest, SetLenSyncAndMetadata) {
  temp_dir dir;
  const auto path = dir / "s";
  auto rt = make_rt();
  rt.block_on([&]() -> task<void> {
    auto f = (co_await fs::file::create(path)).value();
    EXPECT_TRUE(co_await f.write_all_at(pattern(10000), 0));
    EXPECT_TRUE(co_await f.sync_data());
    EXPECT_TRUE(co_await f.set_len(100));
    EXPECT_EQ((co_await f.metadata()).value().len(), 100U);
    EXPECT_TRUE(co_await f.set_len(1 << 20)); // sparse extension
    EXPECT_TRUE(co_await f.allocate(0, 8192));
    EXPECT_TRUE(co_await f.sync_all());
    auto md = (co_await f.metadata()).value();
    EXPECT_EQ(md.len(), 1U << 20);
    EXPECT_GT(md.modified().time_since_epoch().count(), 0);
    EXPECT_TRUE(co_await f.close());
    auto back = (co_await fs::read(path)).value();
    EXPECT_EQ(back.size(), 1U << 20);
    if (back.size() == (1U << 20)) {
      const auto p = pattern(100);
      EXPECT_TRUE(std::equal(p.begin(), p.end(), back.begin()));
      EXPECT_EQ(back[5000], std::byte{0});
    }
  }());
}

TEST(FsFileTest, ClosedHandleIsEbadfNotUb) {
  temp_dir dir;
  auto rt = make_rt();
  rt.block_on([&]() -> task<void> {
    auto f = (co_await fs::file::create(dir / "z")).value();
    EXPECT_TRUE(f.is_open());
    EXPECT_TRUE(co_await f.close());
    EXPECT_FALSE(f.is_open());
    std::byte b[8];
    EXPECT_EQ((co_await f.read_at(b, 0)).error(), std::errc::bad_file_descriptor);
    EXPECT_EQ((co_await f.write_at(b, 0)).error(), std::errc::bad_file_descriptor);
    EXPECT_EQ((co_await f.close()).error(), std::errc::bad_file_descriptor);
    EXPECT_EQ((co_await f.metadata()).error(), std::errc::bad_file_descriptor);
    EXPECT_EQ((co_await f.sync_all()).error(), std::errc::bad_file_descriptor);
    fs::file empty;
    EXPECT_EQ((co_await empty.read(b)).error(), std::errc::bad_file_descriptor);
  }());
}

TEST(FsFileTest, DirectIoAlignedWorksMisalignedIsEinval) {
  temp_dir dir;
  const auto path = dir / "d";
  auto rt = make_rt();
  bool skipped = false;
  rt.block_on([&]() -> task<void> {
    auto f = co_await fs::file::open(
        path, fs::open_options().read(true).write(true).create(true).direct(true));
    if (!f && f.error() == std::errc::invalid_argument) {
      skipped = true; // the file system has no O_DIRECT
      co_return;
    }
    EXPECT_TRUE(f);
    auto [mem, off] = f->direct_alignment();
    const std::size_t align = std::max<std::size_t>({mem, off, 4096});
    std::unique_ptr<std::byte, decltype(&std::free)> raw(
        static_cast<std::byte*>(std::aligned_alloc(align, 4 * align)), &std::free);
    std::memset(raw.get(), 0x5a, 4 * align);
    std::span<std::byte> ok(raw.get(), 2 * align);
    EXPECT_TRUE(co_await f->write_all_at(ok, 0));
    std::vector<std::byte> expect(ok.begin(), ok.end());
    std::memset(raw.get(), 0, 4 * align);
    EXPECT_TRUE(co_await f->read_exact_at(ok, 0));
    EXPECT_TRUE(std::equal(expect.begin(), expect.end(), ok.begin()));
    // Misaligned address, length and offset: EINVAL each, no crash.
    std::span<std::byte> bad_addr(raw.get() + 1, align);
    EXPECT_EQ((co_await f->read_at(bad_addr, 0)).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await f->write_at(bad_addr, 0)).error(), std::errc::invalid_argument);
    std::span<std::byte> bad_len(raw.get(), align - 1);
    EXPECT_EQ((co_await f->read_at(bad_len, 0)).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await f->read_at(ok, 1)).error(), std::errc::invalid_argument);
    auto w = co_await f->write_all_at(bad_addr, 0);
    EXPECT_EQ(w.error, std::errc::invalid_argument);
    EXPECT_EQ(w.bytes_written, 0U);
    EXPECT_TRUE(co_await f->close());
  }());
  if (skipped) GTEST_SKIP() << "O_DIRECT is not supported on " << dir.path();
}

TEST(FsFileTest, WriteOutcomeValueThrowsWithBytesWritten) {
  fs::write_outcome ok{10, {}};
  EXPECT_NO_THROW(ok.value());
  fs::write_outcome bad{7, weft::make_error(ENOSPC)};
  EXPECT_FALSE(bad);
  try {
    bad.value();
    ADD_FAILURE() << "no throw";
  } catch (const fs::write_error& e) {
    EXPECT_EQ(e.bytes_written(), 7U);
    EXPECT_EQ(e.code(), std::errc::no_space_on_device);
  }
}

} // namespace
