// The disk space an update needs, judged from the plan before downloading.
#include "node/sync/disk_space.h"

#include <gtest/gtest.h>

#include "sync/publication/layout.h"

namespace akari::node {
namespace {

using sync::client::SyncPlan;
using sync::publication::kMaxCount;

constexpr std::int64_t kDatabaseBytes = std::int64_t{50} << 20;

SyncPlan DeltaPlan(std::int64_t upserts, std::int64_t removes) {
  SyncPlan plan;
  plan.mode = SyncPlan::Mode::kDelta;
  const sync::publication::ObjectRef object{std::string(64, 'a'), 1000};
  for (std::int64_t from : {1, 2}) {
    sync::publication::DeltaRef d;
    d.from = from;
    d.to = from + 1;
    d.objects = {object};
    d.upserts = upserts;
    d.removes = removes;
    plan.chain.push_back(d);
  }
  plan.objects = {object};
  return plan;
}

TEST(EstimateSpaceTest, ADeltaCostsItsChangedPersonsPagesAndTwiceItsObjectsPages) {
  const SpaceEstimate e = EstimateSpace(DeltaPlan(3, 2), {}, kDatabaseBytes, kKeepFreeBytes);
  EXPECT_EQ(e.download, 1000);
  EXPECT_EQ(e.apply, 10 * 16 * 1024 + 2 * 3200);  // 1.6 pages per object byte
  EXPECT_EQ(e.keep_free, kKeepFreeBytes);
}

// The counts are the hub's, each at most kMaxCount: their sum over a
// chain, times the bytes per person, passes int64. The estimate then
// stays bounded by the database's size, as for any delta larger than it,
// instead of overflowing (undefined behaviour; in practice a negative
// estimate that let any update start).
TEST(EstimateSpaceTest, HostileCountsInADeltaChainAreBoundedByTheDatabaseNotOverflowed) {
  const SpaceEstimate e = EstimateSpace(DeltaPlan(kMaxCount, kMaxCount), {}, kDatabaseBytes, kKeepFreeBytes);
  EXPECT_EQ(e.apply, kDatabaseBytes + 2 * 3200);
  EXPECT_EQ(e.Total(), 1000 + kDatabaseBytes + 2 * 3200 + kKeepFreeBytes);
}

}  // namespace
}  // namespace akari::node
