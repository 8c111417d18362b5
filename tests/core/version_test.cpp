// The version macros, the weft::version constant and the version string agree.
#include <gtest/gtest.h>

#include <weft/config.hpp>
#include <weft/version.hpp>

#include <string>

TEST(VersionTest, MacrosConstantAndStringAgree) {
  EXPECT_EQ(weft::version,
            WEFT_VERSION_MAJOR * 10000 + WEFT_VERSION_MINOR * 100 + WEFT_VERSION_PATCH);
  const std::string expected = std::to_string(WEFT_VERSION_MAJOR) + "." +
                               std::to_string(WEFT_VERSION_MINOR) + "." +
                               std::to_string(WEFT_VERSION_PATCH);
  EXPECT_EQ(expected, WEFT_VERSION_STRING);
}
