// Planning a sync: what the plan's objects write, by the manifest's counts.
#include "sync/client/plan.h"

#include <gtest/gtest.h>

#include <limits>

#include "sync/publication/layout.h"

namespace akari::sync::client {
namespace {

using publication::kMaxCount;

publication::DeltaRef Delta(std::int64_t from, std::int64_t upserts, std::int64_t removes = 0) {
  publication::DeltaRef d;
  d.from = from;
  d.to = from + 1;
  d.upserts = upserts;
  d.removes = removes;
  return d;
}

publication::ChunkRef Chunk(std::int64_t persons) {
  publication::ChunkRef c;
  c.persons = persons;
  return c;
}

TEST(PersonsToWriteTest, CountsADeltaChainsUpsertsOrAFullPlansChunks) {
  SyncPlan delta;
  delta.mode = SyncPlan::Mode::kDelta;
  delta.chain = {Delta(1, 3, 9), Delta(2, 4)};
  EXPECT_EQ(PersonsToWrite(delta), 7);
  SyncPlan full;
  full.mode = SyncPlan::Mode::kFull;
  full.chunks = {Chunk(10), Chunk(5)};
  EXPECT_EQ(PersonsToWrite(full), 15);
}

// Each count is at most kMaxCount once parsed, but a chain may hold 10,000
// deltas: their sum stays at INT64_MAX instead of overflowing (undefined
// behaviour; the progress shown and the hold decision would get a
// negative number of persons).
TEST(PersonsToWriteTest, ASumOfHostileCountsPastInt64StaysAtItsEnd) {
  SyncPlan plan;
  plan.mode = SyncPlan::Mode::kDelta;
  for (std::int64_t v = 1; v <= 1100; ++v) plan.chain.push_back(Delta(v, kMaxCount));
  EXPECT_EQ(PersonsToWrite(plan), std::numeric_limits<std::int64_t>::max());
}

}  // namespace
}  // namespace akari::sync::client
