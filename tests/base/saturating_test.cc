#include "base/saturating.h"

#include <gtest/gtest.h>

namespace akari {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

TEST(SaturatingTest, InRangeResultsAreExact) {
  EXPECT_EQ(SaturatingAdd(40, 2), 42);
  EXPECT_EQ(SaturatingAdd(kMax - 1, 1), kMax);
  EXPECT_EQ(SaturatingAdd(kMin, kMax), -1);
  EXPECT_EQ(SaturatingMul(-6, 7), -42);
  EXPECT_EQ(SaturatingMul(kMax, 1), kMax);
  EXPECT_EQ(SaturatingMul(0, kMin), 0);
}

TEST(SaturatingTest, ResultsPastTheRangeStayAtTheNearestBound) {
  EXPECT_EQ(SaturatingAdd(kMax, 1), kMax);
  EXPECT_EQ(SaturatingAdd(kMax, kMax), kMax);
  EXPECT_EQ(SaturatingAdd(kMin, -1), kMin);
  EXPECT_EQ(SaturatingMul(std::int64_t{1} << 53, 16 * 1024), kMax);
  EXPECT_EQ(SaturatingMul(kMin, -1), kMax);
  EXPECT_EQ(SaturatingMul(kMax, -2), kMin);
}

}  // namespace
}  // namespace akari
