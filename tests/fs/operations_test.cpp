// tests/fs/operations_test.cpp: the whole-file and directory helpers on a temp dir:
// create_dir / create_dir_all / read_dir / rename / copy / remove_* / metadata, and their
// errors as values (ENOENT, EEXIST, ENOTEMPTY, a NUL in a path).
#include <gtest/gtest.h>

#include <weft/fs/operations.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "fs/fs_support.hpp"
#include "weft/weft.hpp"

namespace {

using weft::task;
using weft::test::pattern;
using weft::test::temp_dir;
namespace fs = weft::fs;

TEST(FsOperationsTest, DirectoriesCreateListRenameRemove) {
  temp_dir dir;
  auto rt = weft::runtime::builder().workers(2).build();
  rt.block_on([&]() -> task<void> {
    EXPECT_TRUE(co_await fs::create_dir(dir / "a"));
    EXPECT_EQ((co_await fs::create_dir(dir / "a")).error(), std::errc::file_exists);
    EXPECT_EQ((co_await fs::create_dir(dir / "no/such")).error(),
              std::errc::no_such_file_or_directory);
    EXPECT_TRUE(co_await fs::create_dir_all(dir / "a/b/c"));
    EXPECT_TRUE(co_await fs::create_dir_all(dir / "a/b/c")); // already there: fine
    EXPECT_TRUE((co_await fs::metadata(dir / "a/b/c")).value().is_dir());
    EXPECT_TRUE(co_await fs::write(dir / "a/f1", std::string_view("one")));
    EXPECT_TRUE(co_await fs::write(dir / "a/f2", std::string_view("two")));
    EXPECT_EQ((co_await fs::create_dir_all(dir / "a/f1")).error(), std::errc::file_exists);

    auto entries = (co_await fs::read_dir(dir / "a")).value();
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e.file_name().string());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"b", "f1", "f2"}));
    for (const auto& e : entries) {
      if (e.file_name() == "b") {
        EXPECT_TRUE(e.type() == fs::file_type::directory || e.type() == fs::file_type::unknown);
      }
      EXPECT_EQ(e.path().parent_path(), dir / "a");
    }
    EXPECT_EQ((co_await fs::read_dir(dir / "missing")).error(),
              std::errc::no_such_file_or_directory);

    EXPECT_TRUE(co_await fs::rename(dir / "a/f1", dir / "a/g1"));
    EXPECT_EQ((co_await fs::metadata(dir / "a/f1")).error(), std::errc::no_such_file_or_directory);
    EXPECT_EQ((co_await fs::read_to_string(dir / "a/g1")).value(), "one");
    EXPECT_TRUE(co_await fs::rename(dir / "a/f2", dir / "a/g1")); // replaces
    EXPECT_EQ((co_await fs::read_to_string(dir / "a/g1")).value(), "two");

    EXPECT_EQ((co_await fs::remove_dir(dir / "a")).error(), std::errc::directory_not_empty);
    EXPECT_EQ((co_await fs::remove_file(dir / "a/b")).error(), std::errc::is_a_directory);
    EXPECT_TRUE(co_await fs::remove_file(dir / "a/g1"));
    EXPECT_EQ((co_await fs::remove_file(dir / "a/g1")).error(),
              std::errc::no_such_file_or_directory);
    EXPECT_TRUE(co_await fs::remove_dir(dir / "a/b/c"));
    EXPECT_TRUE(co_await fs::remove_dir_all(dir / "a"));
    EXPECT_EQ((co_await fs::remove_dir_all(dir / "a")).error(),
              std::errc::no_such_file_or_directory);
    EXPECT_EQ((co_await fs::metadata(dir / "a")).error(), std::errc::no_such_file_or_directory);
  }());
}

TEST(FsOperationsTest, CopyIsByteExactAndKeepsPermissions) {
  temp_dir dir;
  auto rt = weft::runtime::builder().workers(2).build();
  rt.block_on([&]() -> task<void> {
    const auto data = pattern(3 * 1024 * 1024 + 17);
    EXPECT_TRUE(co_await fs::write(dir / "src", data));
    ::chmod((dir / "src").c_str(), 0600);
    EXPECT_TRUE(co_await fs::write(dir / "dst", std::string_view("old, longer than nothing")));
    auto n = co_await fs::copy(dir / "src", dir / "dst");
    EXPECT_EQ(n.value(), data.size());
    EXPECT_TRUE((co_await fs::read(dir / "dst")).value() == data);
    EXPECT_EQ((co_await fs::metadata(dir / "dst")).value().permissions(), 0600U);
    EXPECT_EQ((co_await fs::copy(dir / "src", dir / "src")).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await fs::copy(dir / "nope", dir / "x")).error(),
              std::errc::no_such_file_or_directory);
    EXPECT_EQ((co_await fs::copy(dir.path(), dir / "x")).error(), std::errc::invalid_argument);
    // The source is intact after the refused self-copy.
    EXPECT_EQ((co_await fs::metadata(dir / "src")).value().len(), data.size());
  }());
}

TEST(FsOperationsTest, SymlinkMetadataDoesNotFollow) {
  temp_dir dir;
  auto rt = weft::runtime::builder().current_thread().build();
  rt.block_on([&]() -> task<void> {
    EXPECT_TRUE(co_await fs::write(dir / "t", std::string_view("12345")));
    EXPECT_EQ(::symlink((dir / "t").c_str(), (dir / "l").c_str()), 0);
    auto followed = (co_await fs::metadata(dir / "l")).value();
    EXPECT_TRUE(followed.is_file());
    EXPECT_EQ(followed.len(), 5U);
    auto link = (co_await fs::symlink_metadata(dir / "l")).value();
    EXPECT_TRUE(link.is_symlink());
    EXPECT_TRUE(co_await fs::remove_file(dir / "l")); // removes the link, not the target
    EXPECT_TRUE(co_await fs::metadata(dir / "t"));
  }());
}

TEST(FsOperationsTest, BadPathsAreEinval) {
  auto rt = weft::runtime::builder().current_thread().build();
  rt.block_on([&]() -> task<void> {
    const std::string nul("x\0y", 3);
    EXPECT_EQ((co_await fs::metadata(nul)).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await fs::create_dir(nul)).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await fs::remove_file(nul)).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await fs::rename(nul, "z")).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await fs::read(nul)).error(), std::errc::invalid_argument);
    EXPECT_EQ((co_await fs::write(nul, std::string_view("a"))).error, std::errc::invalid_argument);
    EXPECT_EQ((co_await fs::read("")).error(), std::errc::no_such_file_or_directory);
  }());
}

} // namespace
