#include "base/bytes.h"

#include <gtest/gtest.h>

namespace akari {
namespace {

TEST(HexTest, RoundTripsBytes) {
  const Bytes b = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(ToHex(b), "007f80ff");
  EXPECT_EQ(FromHex("007F80ff"), b);
}

TEST(HexTest, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(FromHex("abc"));
  EXPECT_FALSE(FromHex("zz"));
}

}  // namespace
}  // namespace akari
