// How long a published version stays valid: `publish --expires-in` within
// kMaxExpiresIn, and Publish never signing a manifest that expires before
// (or when) it was created.
#include <gtest/gtest.h>

#include "base/file.h"
#include "sync/errors.h"
#include "sync/hub/publisher.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari::sync::hub {
namespace {

using std::chrono::days;
using std::chrono::seconds;
using testing::At;

TEST(ExpiresInTest, ParsesUnitsUpToTheLimit) {
  EXPECT_EQ(ParseExpiresIn("7d").value(), days(7));
  EXPECT_EQ(ParseExpiresIn("36h").value(), std::chrono::hours(36));
  EXPECT_EQ(ParseExpiresIn("90m").value(), std::chrono::minutes(90));
  EXPECT_EQ(ParseExpiresIn("600s").value(), seconds(600));
  EXPECT_EQ(ParseExpiresIn("600").value(), seconds(600));
  EXPECT_EQ(ParseExpiresIn("3650d").value(), kMaxExpiresIn);
  for (const char* text :
       {"3651d", "200000d", "9999999999999999d", "9223372036854775807s", "9223372036854775807h", "87601h"}) {
    auto r = ParseExpiresIn(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, SyncErrc::kInvalidArgument) << text;
    EXPECT_NE(r.error().message.find("at most 3650 days"), std::string::npos) << r.error().message;
  }
  for (const char* text : {"0d", "-1d", "", "d", "7w", "seven"}) {
    auto r = ParseExpiresIn(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, SyncErrc::kInvalidArgument) << text;
  }
}

class PublishExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
    testing::RegionSpec spec;
    spec.persons = testing::SampleRegion(5);
    ASSERT_TRUE(testing::ImportSpec(*hub_, root_ / "region", spec, clock_));
  }
  Result<PublishSummary> PublishFor(seconds expires_in) {
    PublishOptions options;
    options.expires_in = expires_in;
    return Publish(*hub_, options, clock_);
  }
  std::filesystem::path Manifest() { return hub_->publication_root() / "17" / "manifest.json"; }

  testing::TempDir root_;
  ManualClock clock_{At("2026-11-01T09:00:00Z")};
  std::optional<OpenHub> hub_;
};

TEST_F(PublishExpiryTest, AnExpiryNotAfterCreationOrBeyondTheLimitIsRefusedBeforeSigning) {
  for (const seconds expires_in : {seconds(days(200000)), seconds(std::numeric_limits<std::int64_t>::max()),
                                   kMaxExpiresIn + seconds(1), seconds(0), seconds(-60)}) {
    auto r = PublishFor(expires_in);
    ASSERT_FALSE(r) << expires_in.count();
    EXPECT_EQ(r.error().code, SyncErrc::kInvalidArgument) << r.error().message;
    EXPECT_FALSE(std::filesystem::exists(Manifest())) << expires_in.count();
    EXPECT_EQ(*hub_->store.database().QueryInt("SELECT count(*) FROM publication"), 0);
  }
  auto longest = PublishFor(kMaxExpiresIn);
  ASSERT_TRUE(longest) << longest.error().message;
  EXPECT_EQ(longest->expires - longest->created, kMaxExpiresIn);
  EXPECT_EQ(longest->created, clock_.Now());
}

}  // namespace
}  // namespace akari::sync::hub
