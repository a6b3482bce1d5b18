// Check ids at the hub: "<node id>-<seq>" belongs to that node. Another
// enrolled node cannot take one, not even with a body it signed itself.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/keys.h"
#include "sync/hub/checks.h"
#include "sync/hub/nodes.h"
#include "sync/reconcile/protocol.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari::sync::hub {
namespace {

using testing::At;
namespace rc = reconcile;

struct EnrolledNode {
  std::string id;
  crypto::SigningKeyPair keys;
};

class HubCheckIdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
    Enroll(alice_);
    Enroll(rogue_);
  }
  void Enroll(EnrolledNode& node) {
    auto inv = InviteNode(hub_->store, "shelter", clock_);
    ASSERT_TRUE(inv) << inv.error().message;
    auto box = crypto::GenerateBoxKeyPair();
    node.keys = std::move(*crypto::GenerateSigningKeyPair());
    auto enrolled = EnrollNode(hub_->store, {inv->token, node.id, node.keys.public_key, box->public_key}, clock_);
    ASSERT_TRUE(enrolled) << enrolled.error().message;
  }

  // A check with id `check_id`, naming `signer` as its node and signed by it.
  static rc::UploadedCheck Check(const EnrolledNode& signer, const std::string& check_id, std::int64_t person) {
    const nlohmann::json body = {{"id", check_id},
                                 {"seq", 1},
                                 {"node_id", signer.id},
                                 {"created_at_ms", std::int64_t{1793523600000}},
                                 {"method", "disaster_search"},
                                 {"claim", nlohmann::json::object()},
                                 {"person_id", person},
                                 {"local_answer", {{"status", "covered"}}}};
    rc::UploadedCheck c{check_id, body.dump(), {}};
    const auto sig = crypto::Sign(signer.keys.secret_key, rc::CheckSigningInput(c.body));
    c.signature.assign(sig.begin(), sig.end());
    return c;
  }
  Result<rc::UploadResponse> Upload(const EnrolledNode& from, std::vector<rc::UploadedCheck> checks) {
    rc::UploadBatch batch;
    batch.node_id = from.id;
    batch.sent_at = clock_.Now();
    batch.checks = std::move(checks);
    return AnswerUpload(hub_->store, batch, clock_);
  }
  std::int64_t Recorded(const std::string& node_id) {
    auto s = hub_->store.database().Prepare("SELECT count(*) FROM hub_check WHERE node_id = ?");
    s->Bind(1, node_id);
    EXPECT_TRUE(*s->Step());
    return s->ColumnInt(0);
  }

  testing::TempDir root_;
  ManualClock clock_{At("2026-11-01T09:00:00Z")};
  std::optional<OpenHub> hub_;
  EnrolledNode alice_{std::string(32, 'a'), {}};
  EnrolledNode rogue_{std::string(32, 'e'), {}};
};

TEST_F(HubCheckIdsTest, ANodeCannotTakeTheCheckIdsOfAnother) {
  // The rogue signs Alice's next check ids with its own key, naming itself.
  const std::string alice_next = alice_.id + "-7";
  auto claimed = Upload(rogue_, {Check(rogue_, alice_next, 1), Check(rogue_, rogue_.id + "-1", 1)});
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_EQ(claimed->answers.size(), 2u);
  EXPECT_EQ(claimed->answers[0].check_id, alice_next);
  EXPECT_EQ(claimed->answers[0].outcome, rc::Outcome::kMalformed);
  EXPECT_NE(claimed->answers[0].detail.find("does not belong to node " + rogue_.id), std::string::npos)
      << claimed->answers[0].detail;
  EXPECT_NE(claimed->answers[1].outcome, rc::Outcome::kMalformed) << claimed->answers[1].detail;
  EXPECT_EQ(Recorded(rogue_.id), 1);  // its own check only

  // Alice's real check under that id is answered and recorded.
  auto real = Upload(alice_, {Check(alice_, alice_next, 1)});
  ASSERT_TRUE(real) << real.error().message;
  ASSERT_EQ(real->answers.size(), 1u);
  EXPECT_NE(real->answers[0].outcome, rc::Outcome::kMalformed) << real->answers[0].detail;
  EXPECT_FALSE(real->answers[0].repeated);
  EXPECT_EQ(Recorded(alice_.id), 1);

  // An id that merely starts with the node id is not the node's either.
  auto glued = Upload(rogue_, {Check(rogue_, rogue_.id + alice_.id + "-1", 1)});
  ASSERT_TRUE(glued);
  EXPECT_EQ(glued->answers[0].outcome, rc::Outcome::kMalformed);
  EXPECT_EQ(Recorded(rogue_.id), 1);
}

TEST_F(HubCheckIdsTest, AnIdTakenBeforeTheUpgradeNoLongerBlocksItsNode) {
  // A hub of schema version 5 kept one check per id, whoever uploaded it:
  // the rogue's copy of Alice's next id was recorded there.
  const std::string alice_next = alice_.id + "-3";
  db::Database& db = hub_->store.database();
  ASSERT_TRUE(
      db.Exec("DROP TABLE hub_check; "
              "CREATE TABLE hub_check(check_id TEXT PRIMARY KEY NOT NULL, node_id TEXT NOT NULL, "
              "body_hash BLOB NOT NULL, body TEXT NOT NULL, signature BLOB NOT NULL, "
              "received_at INTEGER NOT NULL, outcome TEXT NOT NULL, answer TEXT NOT NULL); "
              "CREATE INDEX hub_check_node ON hub_check(node_id, outcome); "
              "DROP TABLE node_audit_head; "
              "CREATE TABLE node_audit_head(node_id TEXT PRIMARY KEY NOT NULL, seq INTEGER NOT NULL, "
              "hash BLOB NOT NULL, signature BLOB NOT NULL, sent_at INTEGER NOT NULL, "
              "received_at INTEGER NOT NULL, went_back_at INTEGER, went_back_to INTEGER); "
              "INSERT INTO node_audit_head(node_id, seq, hash, signature, sent_at, received_at) "
              "VALUES ('" +
              alice_.id +
              "', 12, x'01', x'02', 0, 0); "
              "DELETE FROM schema_migration WHERE version > 5; PRAGMA user_version = 5"));
  auto pre_claimed = db.Prepare(
      "INSERT INTO hub_check VALUES (?, ?, x'00', '{}', x'00', 0, 'unknown_person', "
      "'{\"check_id\":\"x\",\"outcome\":\"unknown_person\"}')");
  ASSERT_TRUE(pre_claimed);
  ASSERT_TRUE(pre_claimed->Bind(1, alice_next).Bind(2, rogue_.id).Run());
  hub_.reset();
  auto reopened = testing::OpenHub(root_ / "hub");
  ASSERT_TRUE(reopened) << reopened.error().message;
  hub_.emplace(std::move(*reopened));
  EXPECT_EQ(*hub_->store.database().QueryInt("PRAGMA user_version"), HubSchemaVersion());
  EXPECT_EQ(Recorded(rogue_.id), 1);  // kept, for the regional office to see
  // Version 7: the audit head Alice reported before it is kept, as one
  // whose number she did not sign.
  auto heads = NodeAuditHeads(hub_->store);
  ASSERT_TRUE(heads) << heads.error().message;
  EXPECT_EQ(heads->at(alice_.id).seq, 12);
  EXPECT_FALSE(heads->at(alice_.id).statement_signed);

  auto real = Upload(alice_, {Check(alice_, alice_next, 1)});
  ASSERT_TRUE(real) << real.error().message;
  ASSERT_EQ(real->answers.size(), 1u);
  EXPECT_NE(real->answers[0].outcome, rc::Outcome::kMalformed) << real->answers[0].detail;
  EXPECT_EQ(Recorded(alice_.id), 1);
  // Sent again, it is a repeat of Alice's own check.
  auto again = Upload(alice_, {Check(alice_, alice_next, 1)});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->answers[0].repeated);
}

}  // namespace
}  // namespace akari::sync::hub
