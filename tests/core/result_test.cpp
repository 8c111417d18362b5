// tests/core/result_test.cpp: result<T> and result<void>: values, errors, value() throwing
// std::system_error with the code.
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <system_error>

#include "weft/core/result.hpp"

namespace {

using weft::result;

TEST(ResultTest, HoldsAValue) {
  result<int> r = 5;
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(*r, 5);
  EXPECT_EQ(r.value(), 5);
  EXPECT_FALSE(r.error());
  EXPECT_EQ(r.value_or(9), 5);
}

TEST(ResultTest, HoldsAnError) {
  result<int> r = weft::make_error(ECONNRESET);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error(), std::error_code(ECONNRESET, std::system_category()));
  EXPECT_EQ(r.value_or(9), 9);
}

TEST(ResultTest, ErrcConvertsToAGenericError) {
  result<std::string> r = std::errc::timed_out;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::make_error_code(std::errc::timed_out));
  EXPECT_EQ(r.error(), std::errc::timed_out);
}

TEST(ResultTest, ValueThrowsSystemErrorWithTheCode) {
  const std::error_code ec = weft::make_error(EPIPE);
  result<int> r = ec;
  try {
    (void)r.value();
    FAIL() << "value() of an error result must throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), ec);
  }
  const result<int>& cr = r;
  EXPECT_THROW((void)cr.value(), std::system_error);
  EXPECT_THROW((void)std::move(r).value(), std::system_error);
}

TEST(ResultTest, RvalueValueMovesOut) {
  result<std::unique_ptr<int>> r(std::in_place, std::make_unique<int>(4));
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 4);
}

TEST(ResultTest, ArrowReachesTheValue) {
  result<std::string> r = std::string("abc");
  EXPECT_EQ(r->size(), 3u);
  r->push_back('d');
  EXPECT_EQ(*r, "abcd");
}

TEST(ResultTest, VoidResultIsSuccessByDefault) {
  result<void> ok;
  EXPECT_TRUE(ok.has_value());
  EXPECT_FALSE(ok.error());
  EXPECT_NO_THROW(ok.value());
  result<void> in_place(std::in_place);
  EXPECT_TRUE(in_place);
}

TEST(ResultTest, VoidResultCarriesAnError) {
  result<void> r = std::errc::connection_refused;
  EXPECT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), std::errc::connection_refused);
  try {
    r.value();
    FAIL() << "value() of an error result<void> must throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::connection_refused));
  }
}

TEST(ResultTest, MakeErrorUsesTheSystemCategory) {
  const std::error_code ec = weft::make_error(ENOENT);
  EXPECT_EQ(ec.value(), ENOENT);
  EXPECT_EQ(&ec.category(), &std::system_category());
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

} // namespace
