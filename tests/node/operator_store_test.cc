#include "node/operators/operator_store.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "node/operators/errors.h"
#include "tests/node/service_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

crypto::SecretBuffer Pin(std::string_view text) {
  return std::move(*crypto::SecretBuffer::CopyOf(AsBytes(text)));
}

class OperatorStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  OpenNode node_ = testing::CreateSeededNode(dir_ / "node", 0);
  ManualClock clock_{testing::TestNow()};
  OperatorStore ops_{node_.store, clock_};
};

TEST_F(OperatorStoreTest, AddsAndAuthenticatesWithoutKeepingThePin) {
  ASSERT_TRUE(ops_.Add("nurse1", "看護 花子", Role::kNurse, Pin("4821"), testing::kCheapKdf));
  auto op = ops_.Authenticate("nurse1", Pin("4821"));
  ASSERT_TRUE(op) << op.error().message;
  EXPECT_EQ(op->role, Role::kNurse);
  EXPECT_EQ(op->display_name, "看護 花子");
  auto hash = node_.store.database().QueryText("SELECT pin_hash FROM operator WHERE id = 'nurse1'");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
  EXPECT_EQ(hash->find("4821"), std::string::npos);
}

TEST_F(OperatorStoreTest, AnOperatorIsAddedOnlyTogetherWithItsRecord) {
  // The audit entry could not be written (a full disk, a store kept busy):
  // the operator must not exist without it.
  auto failed = ops_.Add("nurse2", "看護 次郎", Role::kNurse, Pin("4821"), testing::kCheapKdf,
                         [](const Operator&) -> Status { return MakeError(BaseErrc::kIo, "the audit log is full"); });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "the audit log is full");
  EXPECT_FALSE(*ops_.Get("nurse2"));
  std::string recorded;
  ASSERT_TRUE(
      ops_.Add("nurse2", "看護 次郎", Role::kNurse, Pin("4821"), testing::kCheapKdf, [&](const Operator& op) -> Status {
        recorded = op.id;
        return {};
      }));
  EXPECT_EQ(recorded, "nurse2");
  EXPECT_TRUE(*ops_.IsActive("nurse2"));
}

TEST_F(OperatorStoreTest, RejectsMalformedIdsNamesAndPins) {
  EXPECT_EQ(ops_.Add("Nurse", "x", Role::kNurse, Pin("1234"), testing::kCheapKdf).error().code,
            OperatorErrc::kInvalidArgument);
  EXPECT_EQ(ops_.Add("-x", "x", Role::kNurse, Pin("1234"), testing::kCheapKdf).error().code,
            OperatorErrc::kInvalidArgument);
  EXPECT_EQ(ops_.Add("a", "", Role::kNurse, Pin("1234"), testing::kCheapKdf).error().code,
            OperatorErrc::kInvalidArgument);
  EXPECT_EQ(ops_.Add("a", "x\ny", Role::kNurse, Pin("1234"), testing::kCheapKdf).error().code,
            OperatorErrc::kInvalidArgument);
  for (const char* bad : {"123", "123456789", "12a4", ""}) {
    auto r = ops_.Add("a", "x", Role::kNurse, Pin(bad), testing::kCheapKdf);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, OperatorErrc::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(ops_.Add("a", "x", Role::kNurse, Pin("12345678"), testing::kCheapKdf));
}

TEST_F(OperatorStoreTest, IdsAreNeverReusedEvenAfterRemoval) {
  ASSERT_TRUE(ops_.Add("doc", "Dr", Role::kDoctor, Pin("1111"), testing::kCheapKdf));
  EXPECT_EQ(ops_.Add("doc", "Dr2", Role::kDoctor, Pin("1111"), testing::kCheapKdf).error().code, OperatorErrc::kExists);
  ASSERT_TRUE(ops_.Remove("doc"));
  auto again = ops_.Add("doc", "Dr2", Role::kDoctor, Pin("1111"), testing::kCheapKdf);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, OperatorErrc::kExists);
  EXPECT_NE(again.error().message.find("removed"), std::string::npos);
  EXPECT_EQ(ops_.Authenticate("doc", Pin("1111")).error().code, OperatorErrc::kNotFound);
  EXPECT_EQ(ops_.Remove("doc").error().code, OperatorErrc::kNotFound);
  EXPECT_EQ(ops_.List()->size(), 0u);
  EXPECT_EQ(ops_.List(/*include_removed=*/true)->size(), 1u);
}

TEST_F(OperatorStoreTest, LocksAfterFiveWrongPinsAndTheLockSurvivesReopening) {
  ASSERT_TRUE(ops_.Add("clerk1", "Clerk", Role::kClerk, Pin("2468"), testing::kCheapKdf));
  for (int i = 1; i <= 4; ++i) {
    auto r = ops_.Authenticate("clerk1", Pin("0000"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, OperatorErrc::kWrongPin);
    EXPECT_NE(r.error().message.find(std::to_string(5 - i) + (i == 4 ? " try" : " tries")), std::string::npos)
        << r.error().message;
  }
  auto fifth = ops_.Authenticate("clerk1", Pin("0000"));
  ASSERT_FALSE(fifth);
  EXPECT_EQ(fifth.error().code, OperatorErrc::kLocked);
  // The right PIN does not help while locked, and is not even tried.
  EXPECT_EQ(ops_.Authenticate("clerk1", Pin("2468")).error().code, OperatorErrc::kLocked);
  {
    // A second connection (another process, or after a restart) sees the lock.
    auto again = OpenStoreConnection(node_);
    ASSERT_TRUE(again);
    OperatorStore other(*again, clock_);
    EXPECT_EQ(other.Authenticate("clerk1", Pin("2468")).error().code, OperatorErrc::kLocked);
  }
  clock_.Advance(std::chrono::minutes(16));
  auto ok = ops_.Authenticate("clerk1", Pin("2468"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->failed_logins, 0);
}

TEST_F(OperatorStoreTest, RepeatedLockoutsGetLongerAndUnlockClearsThem) {
  ASSERT_TRUE(ops_.Add("n", "N", Role::kNurse, Pin("1357"), testing::kCheapKdf));
  for (int i = 0; i < 5; ++i) (void)ops_.Authenticate("n", Pin("0000"));
  clock_.Advance(std::chrono::minutes(16));
  for (int i = 0; i < 5; ++i) (void)ops_.Authenticate("n", Pin("0000"));
  clock_.Advance(std::chrono::minutes(16));
  EXPECT_EQ(ops_.Authenticate("n", Pin("1357")).error().code, OperatorErrc::kLocked);  // second lock: 30 minutes
  ASSERT_TRUE(ops_.Unlock("n"));
  EXPECT_TRUE(ops_.Authenticate("n", Pin("1357")));
}

TEST_F(OperatorStoreTest, MalformedPinAtLoginIsNotCountedAsAFailure) {
  ASSERT_TRUE(ops_.Add("n", "N", Role::kNurse, Pin("1357"), testing::kCheapKdf));
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(ops_.Authenticate("n", Pin("12")).error().code, OperatorErrc::kInvalidArgument);
  EXPECT_EQ((*ops_.Get("n"))->failed_logins, 0);
}

TEST(RoleTest, NamesRoundTripAndClinicalRoles) {
  for (Role r : {Role::kAdmin, Role::kDoctor, Role::kPharmacist, Role::kNurse, Role::kClerk}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_FALSE(ParseRole("superuser"));
  EXPECT_TRUE(IsClinical(Role::kPharmacist));
  EXPECT_FALSE(IsClinical(Role::kClerk));
  EXPECT_FALSE(IsClinical(Role::kAdmin));
}

}  // namespace
}  // namespace akari::node
