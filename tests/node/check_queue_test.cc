#include "node/checks/check_queue.h"

#include <gtest/gtest.h>

#include "node/store/meta_keys.h"
#include "sync/db/errors.h"
#include "tests/node/check_input.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

class CheckQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(dir_ / "node.db", Bytes(32, 1), {.create = true});
    ASSERT_TRUE(s);
    store_.emplace(std::move(*s));
    ASSERT_TRUE(store_->SetMeta("data_version", "12"));
    auto keys = crypto::GenerateSigningKeyPair();
    ASSERT_TRUE(keys);
    keys_.emplace(std::move(*keys));
    queue_.emplace(*store_, "node1", keys_->secret_key, clock_);
  }
  CheckInput Input() { return testing::NumbersCheckInput(); }

  testing::TempDir dir_;
  ManualClock clock_{FromUnixSeconds(1764000000)};
  std::optional<store::Store> store_;
  std::optional<crypto::SigningKeyPair> keys_;
  std::optional<CheckQueue> queue_;
};

TEST_F(CheckQueueTest, RecordsSignedChecksWithSnapshotVersion) {
  auto a = queue_->Record(Input());
  auto b = queue_->Record(Input());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->id, "node1-1");
  EXPECT_EQ(b->id, "node1-2");
  EXPECT_EQ(a->data_version, 12);
  EXPECT_TRUE(crypto::Verify(keys_->public_key, CheckSigningInput(a->body), a->signature));
  const auto body = nlohmann::json::parse(a->body);
  EXPECT_EQ(body["method"], "insurance_numbers");
  EXPECT_EQ(body["local_answer"]["status"], "covered");
  auto got = queue_->Get("node1-2");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->body, b->body);
}

TEST_F(CheckQueueTest, NumbersResumeAboveTheFloorAndADamagedFloorRecordsNothing) {
  ASSERT_TRUE(queue_->Record(Input()));
  auto next = SkipCheckNumbers(*store_, 100);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 102);
  auto c = queue_->Record(Input());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "node1-102");
  // A guess could reuse an id the hub already holds: refused instead.
  ASSERT_TRUE(store_->SetMeta(store::meta::kCheckSeqFloor, "12x"));
  auto refused = queue_->Record(Input());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, db::DbErrc::kCorrupt);
  EXPECT_NE(refused.error().message.find("check_seq_floor"), std::string::npos) << refused.error().message;
  auto all = queue_->List(0, 10);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

// The newest are the highest numbers, also across the jump a restore makes.
TEST_F(CheckQueueTest, TheNewestAreTheHighestNumbersAcrossAJump) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue_->Record(Input()));
  ASSERT_TRUE(SkipCheckNumbers(*store_, 1000000));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(queue_->Record(Input()));
  auto newest = queue_->Newest(3);
  ASSERT_TRUE(newest) << newest.error().message;
  std::vector<std::int64_t> seqs;
  for (const CheckRecord& c : *newest) seqs.push_back(c.seq);
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{3, 1000004, 1000005}));
  EXPECT_EQ(queue_->Newest(10)->size(), 5u);
  EXPECT_EQ(queue_->Newest(1)->front().seq, 1000005);
}

TEST_F(CheckQueueTest, PendingExcludesAcknowledged) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue_->Record(Input()));
  ASSERT_TRUE(store_->database().Exec("INSERT INTO check_upload(check_seq, acknowledged_at) VALUES (2, 0)"));
  auto pending = queue_->Pending(10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].seq, 1);
  EXPECT_EQ((*pending)[1].seq, 3);
  auto all = queue_->List(0, 10);
  ASSERT_TRUE(all);
  EXPECT_TRUE((*all)[1].acknowledged);
}

TEST_F(CheckQueueTest, ChecksSurviveReopening) {
  ASSERT_TRUE(queue_->Record(Input()));
  queue_.reset();
  store_.reset();
  auto s = store::Store::Open(dir_ / "node.db", Bytes(32, 1), {});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Counts()->checks, 1);
  EXPECT_EQ(s->Counts()->checks_pending, 1);
}

}  // namespace
}  // namespace akari::node

#include "node/checks/eligibility.h"
#include "tests/testing/sample_records.h"

namespace akari::node {
namespace {

TEST(EligibilityTest, CurrentCoverageIsCovered) {
  const sync::PersonRecord r = testing::SamplePerson(3);
  const LocalAnswer a = EligibilityOn(r, 20261125);
  EXPECT_EQ(a.status, "covered");
  EXPECT_EQ(a.coverage["insurer_number"], r.coverages[1].insurer_number);
  EXPECT_EQ(a.coverage["valid_to"], nullptr);
}

TEST(EligibilityTest, PastCoverageAnswersForItsDate) {
  const sync::PersonRecord r = testing::SamplePerson(3);
  const LocalAnswer a = EligibilityOn(r, 20200101);
  EXPECT_EQ(a.status, "covered");
  EXPECT_EQ(a.coverage["insurer_number"], r.coverages[0].insurer_number);
}

TEST(EligibilityTest, EndedCoverageIsNotCoveredWithItsEndDate) {
  sync::PersonRecord r = testing::SamplePerson(3);
  r.coverages.pop_back();
  const LocalAnswer a = EligibilityOn(r, 20261125);
  EXPECT_EQ(a.status, "not_covered");
  EXPECT_NE(a.detail.find("2023-04-01"), std::string::npos) << a.detail;
  EXPECT_NE(a.detail.find("another insurer"), std::string::npos) << a.detail;
  EXPECT_EQ(a.detail_code, "coverage_ended");
}

TEST(EligibilityTest, NoCoverageAtAllHasItsOwnCode) {
  sync::PersonRecord r = testing::SamplePerson(3);
  r.coverages.clear();
  const LocalAnswer a = EligibilityOn(r, 20261125);
  EXPECT_EQ(a.status, "not_covered");
  EXPECT_EQ(a.detail_code, "no_coverage_on_date");
  const LocalAnswer covered = EligibilityOn(testing::SamplePerson(3), 20261125);
  EXPECT_EQ(covered.detail, "");
  EXPECT_EQ(covered.detail_code, "");  // empty exactly when the detail is
}

TEST(EligibilityTest, TodayUsesJapanTime) {
  ManualClock clock(FromUnixSeconds(1764084600));  // 2025-11-25T15:30:00Z = 2025-11-26 00:30 JST
  EXPECT_EQ(TodayInJapan(clock), 20251126);
}

}  // namespace
}  // namespace akari::node
