// `akari-hub checks`: what the hub recorded from nodes' check uploads,
// counted per node and outcome, with the real programs (akari-gen,
// akari-hub, akari) and a hub that keeps serving meanwhile.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "crypto/secret_buffer.h"
#include "node/checks/check_queue.h"
#include "node/node_dir.h"
#include "tests/sync/background_process.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using testing::ProcessResult;
using testing::RunProgram;

class HubChecksCliTest : public ::testing::Test {
 protected:
  ProcessResult Hub(std::vector<std::string> args, const std::string& passphrase = "hub-passphrase") {
    testing::ProcessOptions o;
    o.env = {{"AKARI_HUB_PASSPHRASE", passphrase}};
    return RunProgram("akari-hub", args, o);
  }
  ProcessResult Akari(std::vector<std::string> args) {
    testing::ProcessOptions o;
    o.env = {{"AKARI_PASSPHRASE", "node-passphrase"}};
    return RunProgram("akari", args, o);
  }
  // A hub serving a small generated region and an enrolled, synced node.
  void SetUpEnrolled() {
    auto gen = RunProgram("akari-gen", {"region", "--persons", "60", "--seed", "5", "--out", region_});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    ASSERT_EQ(Hub({"init", "--data", hub_, "--kdf-ms", "5"}).exit_code, 0);
    auto imported = Hub({"import", "--data", hub_, "--from", region_});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    auto add = Hub({"node", "add", "--data", hub_, "--label", "shelter", "--json"});
    ASSERT_EQ(add.exit_code, 0) << add.err;
    const std::string token = nlohmann::json::parse(add.out)["token"];
    testing::HubProcess hub = testing::StartHubProcess(hub_, "hub-passphrase");
    serve_ = std::move(hub.process);
    ASSERT_FALSE(hub.url.empty()) << "akari-hub serve printed: " << hub.first_line;
    const std::string url = hub.url;
    ASSERT_EQ(Akari({"init", "--data", node_, "--kdf-ms", "5"}).exit_code, 0);
    auto enrolled = Akari({"enroll", "--data", node_, "--hub", url, "--token", token});
    ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    ASSERT_EQ(Hub({"publish", "--data", hub_}).exit_code, 0);
    auto synced = Akari({"sync", "--data", node_});
    ASSERT_EQ(synced.exit_code, 0) << synced.err;
  }
  // Queues checks whose hub outcome does not depend on the region's data:
  // two that identify nobody (unknown_person) and a self-reported patient
  // no one in the region matches (no_match). Returns the node id.
  std::string QueueChecks() {
    auto pass = crypto::SecretBuffer::CopyOf(AsBytes("node-passphrase"));
    auto node = node::OpenNodeDir(node_, *pass);
    EXPECT_TRUE(node) << node.error().message;
    if (!node) return "";
    node::CheckQueue queue(node->store, node->keystore.node_id(), node->keystore.signing_secret_key(),
                           SystemClock::Instance());
    node::CheckInput numbers;
    numbers.method = node::CheckMethod::kInsuranceNumbers;
    numbers.assurance = node::Assurance::kNumbers;
    numbers.operator_id = "clerk1";
    numbers.claim = {{"insurer_number", "01170018"},
                     {"symbol", "9999"},
                     {"number", "99999999"},
                     {"branch", "00"},
                     {"birth_date", "1970-01-01"}};
    numbers.answer = {"unknown_person", nullptr, "no such numbers", "no_such_numbers"};
    node::CheckInput card;
    card.method = node::CheckMethod::kCard;
    card.assurance = node::Assurance::kSignature;
    card.claim = {{"card_key", std::string(32, '0')}};
    card.answer = {"identity_not_confirmed", nullptr, "signature_invalid", "signature_invalid"};
    node::CheckInput stated;
    stated.method = node::CheckMethod::kSelfReported;
    stated.assurance = node::Assurance::kSelfReported;
    stated.claim = {{"name", ""},
                    {"name_kana", "ドリル　ミホン"},
                    {"birth_date", "1901-01-02"},
                    {"sex", 2},
                    {"address", ""},
                    {"insurer", ""},
                    {"contact", ""}};
    stated.answer = {"unknown_person", nullptr, "not in this node's records", "self_reported"};
    for (const node::CheckInput* in : {&numbers, &card, &stated}) {
      auto recorded = queue.Record(*in);
      EXPECT_TRUE(recorded) << recorded.error().message;
    }
    return node->keystore.node_id();
  }

  testing::TempDir root_;
  std::string hub_ = (root_ / "hub").string();
  std::string node_ = (root_ / "node").string();
  std::string region_ = (root_ / "gen").string();
  std::unique_ptr<testing::BackgroundProcess> serve_;
};

TEST_F(HubChecksCliTest, CountsWhatNodesUploadedPerNodeAndOutcomeOnceEach) {
  SetUpEnrolled();
  auto none = Hub({"checks", "--data", hub_, "--json"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(nlohmann::json::parse(none.out), nlohmann::json::parse(R"({"total": 0, "by_node": {}})"));
  auto none_text = Hub({"checks", "--data", hub_});
  ASSERT_EQ(none_text.exit_code, 0) << none_text.err;
  EXPECT_EQ(none_text.out, "Checks recorded: 0\n");

  const std::string node_id = QueueChecks();
  ASSERT_FALSE(node_id.empty());
  auto synced = Akari({"sync", "--data", node_, "--json"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;

  // Counted while the hub keeps serving (the same store, another process).
  auto counted = Hub({"checks", "--data", hub_, "--json"});
  ASSERT_EQ(counted.exit_code, 0) << counted.err;
  const auto j = nlohmann::json::parse(counted.out);
  EXPECT_EQ(j["total"], 3);
  ASSERT_EQ(j["by_node"].size(), 1u) << j.dump();
  EXPECT_EQ(j["by_node"][node_id]["total"], 3);
  EXPECT_EQ(j["by_node"][node_id]["outcomes"], nlohmann::json::parse(R"({"no_match": 1, "unknown_person": 2})"))
      << j.dump();
  auto text = Hub({"checks", "--data", hub_});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "Checks recorded: 3\n  node " + node_id + ": 3 (no_match 1, unknown_person 2)\n");

  // The node's side agrees, and a second sync sends nothing twice.
  auto listed = Akari({"checks", "list", "--data", node_, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto checks = nlohmann::json::parse(listed.out);
  ASSERT_EQ(checks.size(), 3u);
  for (const auto& c : checks) EXPECT_EQ(c["reconciled"], true) << c.dump();
  auto as_csv = Akari({"checks", "list", "--data", node_, "--format", "csv"});
  ASSERT_EQ(as_csv.exit_code, 0) << as_csv.err;
  std::string expected_csv = "created_at,id,method,assurance,person_id,local_status,reconciled\r\n";
  for (const auto& c : checks) {
    expected_csv += c["created_at"].get<std::string>() + "," + c["id"].get<std::string>() + "," +
                    c["method"].get<std::string>() + "," + c["assurance"].get<std::string>() + "," +
                    (c["person_id"].is_null() ? "" : c["person_id"].dump()) + "," +
                    c["local_status"].get<std::string>() + ",true\r\n";
  }
  EXPECT_EQ(as_csv.out, expected_csv);
  EXPECT_NE(Akari({"checks", "list", "--data", node_, "--format", "xml"}).exit_code, 0);
  ASSERT_EQ(Akari({"sync", "--data", node_}).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(Hub({"checks", "--data", hub_, "--json"}).out)["total"], 3);

  // The hub kept the node's audit head from the upload, and the regional
  // office checks the node's export against it.
  auto nodes = Hub({"node", "list", "--data", hub_, "--json"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  const auto listed_nodes = nlohmann::json::parse(nodes.out);
  ASSERT_EQ(listed_nodes.size(), 1u);
  const auto& head = listed_nodes[0]["audit_head"];
  ASSERT_TRUE(head.is_object()) << nodes.out;
  EXPECT_GT(head["seq"].get<std::int64_t>(), 0);
  EXPECT_EQ(head["went_back_at"], "");
  EXPECT_EQ(head["statement_signed"], true);  // the node vouched for the number
  auto text_nodes = Hub({"node", "list", "--data", hub_});
  EXPECT_NE(text_nodes.out.find("audit log at entry " + std::to_string(head["seq"].get<std::int64_t>())),
            std::string::npos)
      << text_nodes.out;
  EXPECT_EQ(text_nodes.out.find("number not signed"), std::string::npos) << text_nodes.out;
  const std::string exported = (root_ / "audit.jsonl").string();
  ASSERT_EQ(Akari({"audit", "export", "--data", node_, "--out", exported}).exit_code, 0);
  auto verified =
      RunProgram("akari", {"audit", "verify-export", "--file", exported, "--hub-head",
                           std::to_string(head["seq"].get<std::int64_t>()) + ":" + head["hash"].get<std::string>()});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
}

TEST_F(HubChecksCliTest, AWrongPassphraseOrAMissingHubIsOneClearLine) {
  ASSERT_EQ(Hub({"init", "--data", hub_, "--kdf-ms", "5"}).exit_code, 0);
  auto wrong = Hub({"checks", "--data", hub_}, "not the passphrase");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.out, "");
  EXPECT_NE(wrong.err.find("akari-hub: error: "), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("passphrase"), std::string::npos) << wrong.err;

  auto missing = Hub({"checks", "--data", (root_ / "nowhere").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("akari-hub: error: "), std::string::npos) << missing.err;

  auto usage = Hub({"checks"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("--data"), std::string::npos) << usage.err;
}

}  // namespace
}  // namespace akari
