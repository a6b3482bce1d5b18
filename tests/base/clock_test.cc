#include "base/clock.h"

#include <gtest/gtest.h>

namespace akari {
namespace {

TEST(ClockTest, FormatsAndParsesUtc) {
  TimePoint t;
  ASSERT_TRUE(ParseUtc("2024-01-01T16:10:00Z", t));
  EXPECT_EQ(ToUnixSeconds(t), 1704125400);
  EXPECT_EQ(FormatUtc(t), "2024-01-01T16:10:00Z");
}

TEST(ClockTest, RejectsMalformedTimes) {
  TimePoint t;
  EXPECT_FALSE(ParseUtc("2024-02-30T00:00:00Z", t));
  EXPECT_FALSE(ParseUtc("2024-01-01 16:10:00", t));
  EXPECT_FALSE(ParseUtc("", t));
}

// A TimePoint counts nanoseconds in 64 bits: a year it cannot hold is
// refused, never converted with an overflow (undefined behaviour).
TEST(ClockTest, RejectsTimesATimePointCannotHold) {
  TimePoint t;
  EXPECT_FALSE(ParseUtc("9999-12-31T23:59:59Z", t));
  EXPECT_FALSE(ParseUtc("2262-04-12T00:00:00Z", t));
  EXPECT_FALSE(ParseUtc("0000-01-01T00:00:00Z", t));
  EXPECT_FALSE(ParseUtc("1677-09-20T00:00:00Z", t));
  ASSERT_TRUE(ParseUtc("2261-12-31T23:59:59Z", t));
  EXPECT_EQ(FormatUtc(t), "2261-12-31T23:59:59Z");
  ASSERT_TRUE(ParseUtc("1678-01-01T00:00:00Z", t));
  EXPECT_EQ(FormatUtc(t), "1678-01-01T00:00:00Z");
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(FromUnixSeconds(100));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 100);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 105);
}

TEST(ClockTest, AMonotonicClockStartsAtTheWallClockAndNeverGoesBack) {
  const TimePoint before = std::chrono::system_clock::now();
  const MonotonicClock clock;
  TimePoint last = clock.Now();
  EXPECT_LE(std::chrono::abs(last - before), std::chrono::seconds(5));
  for (int i = 0; i < 1000; ++i) {
    const TimePoint now = clock.Now();
    EXPECT_GE(now, last);
    last = now;
  }
}

TEST(ClockTest, AFloorClockNeverReadsBeforeItsFloorWhichOnlyRises) {
  ManualClock wall(FromUnixSeconds(1000));
  ManualClock elapsed(FromUnixSeconds(0));
  FloorClock clock(wall, elapsed);
  EXPECT_EQ(clock.floor(), TimePoint::min());
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 1000);  // no floor yet
  clock.Raise(FromUnixSeconds(2000));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 2000);  // the wall clock is behind
  clock.Raise(FromUnixSeconds(1500));           // lower: no change
  EXPECT_EQ(ToUnixSeconds(clock.floor()), 2000);
  wall.Set(FromUnixSeconds(3000));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 3000);  // caught up: the wall clock again
  wall.Set(FromUnixSeconds(10));                // set back by hand
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 2000);
  EXPECT_EQ(ToUnixSeconds(clock.base().Now()), 10);
}

// While the wall clock is behind, the node's time still moves on: the
// floor was known to have passed, and time has elapsed since.
TEST(ClockTest, AFloorMovesOnWithTheTimeElapsedSinceItWasKnown) {
  ManualClock wall(FromUnixSeconds(10));
  ManualClock elapsed(FromUnixSeconds(500));
  FloorClock clock(wall, elapsed);
  clock.Raise(FromUnixSeconds(2000));
  elapsed.Advance(std::chrono::hours(30));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 2000 + 30 * 3600);
  clock.Raise(FromUnixSeconds(2100));  // known earlier than where the floor is now: no change
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 2000 + 30 * 3600);
  // A time near TimePoint's lower bound is no floor, and no overflow.
  FloorClock early(wall, elapsed);
  early.Raise(TimePoint::min());
  EXPECT_EQ(ToUnixSeconds(early.Now()), 10);
}

}  // namespace
}  // namespace akari
