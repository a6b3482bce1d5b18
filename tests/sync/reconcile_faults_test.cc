// Reconciliation with real processes (akari-hub serve, akari sync, akari
// serve) under faults: the hub down for the whole outage, a 500 for one
// batch, an answer lost after the hub committed, the node killed between the
// hub's answer and its own record, a check altered in the queue, a node clock
// two days behind, a removed or unknown node, 10,000 queued checks, and
// `akari serve` reconciling on its own when the hub comes back. Every test
// counts on both sides: the node's store (pending, answered, repeated) and
// the hub's recorded checks (read from its store after it stopped).
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "node/checks/check_queue.h"
#include "node/checks/eligibility.h"
#include "node/store/meta_keys.h"
#include "node/sync/node_sync.h"
#include "sync/client/source.h"
#include "sync/hub/checks.h"
#include "sync/hub/import.h"
#include "sync/hub/publisher.h"
#include "tests/sync/background_process.h"
#include "tests/sync/fault_proxy.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/process.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using nlohmann::json;
using testing::FaultProxy;
using testing::ProcessResult;

constexpr std::size_t kPersons = 20;

// The node's side of the count.
struct NodeTally {
  std::int64_t checks = 0;
  std::int64_t pending = 0;
  std::int64_t answered = 0;  // rows in check_result
  std::int64_t repeated = 0;  // answers the hub marked as repeated
  std::map<std::string, std::int64_t> outcomes;
  std::map<std::int64_t, std::string> outcome_by_seq;
  std::map<std::int64_t, bool> repeated_by_seq;
};

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class ReconcileFaultsTest : public ::testing::Test {
 protected:
  void TearDown() override { StopHub(); }

  // A hub with `persons` imported and published, an enrolled node whose hub
  // URL points at `direct_url_` (nothing listens there yet). In process;
  // both stores are closed again when this returns.
  void Build(std::vector<sync::PersonRecord> persons = testing::SampleRegion(kPersons),
             sync::hub::ImportOptions import = {}) {
    persons_ = persons;
    const Clock& clock = SystemClock::Instance();
    auto hub = testing::MakeHub(hub_dir_, clock);
    ASSERT_TRUE(hub) << hub.error().message;
    testing::RegionSpec spec;
    spec.as_of = sync::DateInJapan(clock.Now());
    spec.persons = std::move(persons);
    ASSERT_TRUE(testing::WriteRegion(root_ / "region", spec));
    auto imported = sync::hub::ImportRegion(hub->store, root_ / "region", import, clock);
    ASSERT_TRUE(imported) << imported.error().message;
    auto node = testing::MakeNode(node_dir_);
    ASSERT_TRUE(node) << node.error().message;
    auto enrolled = testing::EnrollOverHttp(*hub, *node, clock);
    ASSERT_TRUE(enrolled) << enrolled.error().message;
    auto published = sync::hub::Publish(*hub, {}, clock);
    ASSERT_TRUE(published) << published.error().message;
    node_id_ = node->keystore.node_id();
    ASSERT_TRUE(node->store.SetMeta(store::meta::kHubUrl, direct_url_));
  }

  void PointNodeAt(const std::string& url) {
    auto node = testing::OpenNode(node_dir_);
    ASSERT_TRUE(node) << node.error().message;
    ASSERT_TRUE(node->store.SetMeta(store::meta::kHubUrl, url));
  }

  // A check by insurance numbers as the service records it. `unknown`
  // presents a number no one in the region holds.
  node::CheckInput InsuranceCheck(const sync::PersonRecord& p, const sync::Coverage& presented, bool unknown,
                                  sync::Date on) {
    node::CheckInput in;
    in.method = node::CheckMethod::kInsuranceNumbers;
    in.assurance = node::Assurance::kNumbers;
    in.operator_id = "clerk1";
    in.facility = "1710000001";
    in.claim = {{"insurer_number", presented.insurer_number},
                {"symbol", presented.symbol},
                {"number", unknown ? std::string("9999999") : presented.number},
                {"branch", presented.branch},
                {"birth_date", sync::FormatDate(p.person.birth_date)}};
    if (unknown) {
      in.answer = {"unknown_person", nullptr, "no person holds these numbers", "no_such_numbers"};
    } else {
      in.person_id = p.person.id;
      in.answer = node::EligibilityOn(p, on);
    }
    return in;
  }

  // Records `n` checks in the node's queue (durably, one transaction):
  // every tenth (i % 10 == 9) presents unknown numbers, the others the
  // current numbers of a person on record.
  void RecordChecks(int n, const Clock& clock = SystemClock::Instance()) {
    auto node = testing::OpenNode(node_dir_);
    ASSERT_TRUE(node) << node.error().message;
    node::CheckQueue queue(node->store, node->keystore.node_id(), node->keystore.signing_secret_key(), clock);
    auto tx = store::Transaction::Begin(node->store.database(), /*durable=*/true);
    ASSERT_TRUE(tx);
    const sync::Date today = node::TodayInJapan(clock);
    for (int i = 0; i < n; ++i) {
      const sync::PersonRecord& p = persons_[static_cast<std::size_t>(i) % persons_.size()];
      auto r = queue.Record(InsuranceCheck(p, p.coverages.back(), i % 10 == 9, today));
      ASSERT_TRUE(r) << r.error().message;
    }
    ASSERT_TRUE(tx->Commit());
  }

  NodeTally ReadNode() {
    NodeTally t;
    auto node = testing::OpenNode(node_dir_);
    EXPECT_TRUE(node) << node.error().message;
    if (!node) return t;
    auto counts = node->store.Counts();
    EXPECT_TRUE(counts);
    t.checks = counts->checks;
    t.pending = counts->checks_pending;
    auto s = node->store.database().Prepare("SELECT check_seq, outcome, body FROM check_result");
    EXPECT_TRUE(s);
    while (*s->Step()) {
      ++t.answered;
      const std::string outcome = s->ColumnText(1);
      const ByteSpan blob = s->ColumnBlob(2);
      const json body = json::parse(blob.begin(), blob.end(), nullptr, false);
      const bool repeated = body.is_object() && body.value("repeated", false);
      t.repeated += repeated ? 1 : 0;
      ++t.outcomes[outcome];
      t.outcome_by_seq[s->ColumnInt(0)] = outcome;
      t.repeated_by_seq[s->ColumnInt(0)] = repeated;
    }
    EXPECT_EQ(*node->store.IntegrityCheck(), "ok");
    return t;
  }

  // The hub's answers as the node stored them, in check order.
  std::vector<json> NodeAnswers() {
    std::vector<json> answers;
    auto node = testing::OpenNode(node_dir_);
    EXPECT_TRUE(node) << node.error().message;
    if (!node) return answers;
    auto s = node->store.database().Prepare("SELECT body FROM check_result ORDER BY check_seq");
    EXPECT_TRUE(s);
    while (s && *s->Step()) {
      const ByteSpan blob = s->ColumnBlob(0);
      answers.push_back(json::parse(blob.begin(), blob.end()));
    }
    return answers;
  }

  // The hub's recorded checks; stops the hub first (its store is read
  // directly) and starts it again on the same port when `restart`.
  sync::hub::CheckCounts ReadHub(bool restart = false, const std::filesystem::path& dir = {}) {
    const bool was_running = hub_ != nullptr;
    StopHub();
    sync::hub::CheckCounts counts;
    {
      auto hub = testing::OpenHub(dir.empty() ? hub_dir_ : dir);
      EXPECT_TRUE(hub) << hub.error().message;
      if (!hub) return counts;
      auto c = sync::hub::CountRecordedChecks(hub->store);
      EXPECT_TRUE(c) << c.error().message;
      if (c) counts = *c;
      for (const auto& [node, by_outcome] : counts.by_node) EXPECT_EQ(node, node_id_);
    }
    if (restart && was_running) StartHub();
    return counts;
  }

  // Rows the hub holds under these check ids.
  std::int64_t HubRowsFor(const std::vector<std::string>& ids) {
    StopHub();
    auto hub = testing::OpenHub(hub_dir_);
    EXPECT_TRUE(hub);
    std::int64_t n = 0;
    for (const std::string& id : ids) {
      auto s = hub->store.database().Prepare("SELECT count(*) FROM hub_check WHERE check_id = ?");
      s->Bind(1, id);
      EXPECT_TRUE(*s->Step());
      n += s->ColumnInt(0);
    }
    return n;
  }

  void StartHub(const std::filesystem::path& dir = {}, int port = 0) {
    testing::HubProcess hub = testing::StartHubProcess((dir.empty() ? hub_dir_ : dir).string(), testing::kHubPassphrase,
                                                       port == 0 ? hub_port_ : port);
    hub_ = std::move(hub.process);
    ASSERT_FALSE(hub.url.empty()) << "akari-hub serve printed: " << hub.first_line;
    ASSERT_TRUE(Contains(hub.first_line, "Serving region")) << hub.first_line;
  }
  void StopHub() {
    if (hub_) hub_->Stop();
    hub_.reset();
  }

  ProcessResult Akari(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    testing::ProcessOptions o;
    o.env = std::move(env);
    o.env["AKARI_PASSPHRASE"] = testing::kNodePassphrase;
    return testing::RunProgram("akari", args, o);
  }
  ProcessResult Sync(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> args = {"sync", "--data", node_dir_.string(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Akari(args, std::move(env));
  }
  // `akari sync --json` that must succeed: its "checks" part.
  json SyncChecks(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) {
    const ProcessResult r = Sync(std::move(extra), std::move(env));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const json out = json::parse(r.out, nullptr, false);
    EXPECT_TRUE(out.is_object()) << r.out;
    return out.is_object() ? out.value("checks", json()) : json();
  }

  testing::TempDir root_;
  std::filesystem::path hub_dir_ = root_ / "hub";
  std::filesystem::path node_dir_ = root_ / "node";
  int hub_port_ = testing::FreeLoopbackPort();
  std::string direct_url_ = "http://127.0.0.1:" + std::to_string(hub_port_) + "/";
  std::vector<sync::PersonRecord> persons_;
  std::string node_id_;
  std::unique_ptr<testing::BackgroundProcess> hub_;
};

TEST_F(ReconcileFaultsTest, HubDownForTheWholeOutageKeepsEveryCheckQueuedThenDeliversEachOnce) {
  Build();
  RecordChecks(150);
  for (int run = 0; run < 2; ++run) {
    const ProcessResult r = Sync({"--retries", "2", "--timeout", "5"});
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the pull cannot reach the hub either
    EXPECT_TRUE(Contains(r.err, "akari: warning:")) << r.err;
    EXPECT_TRUE(Contains(r.err, "150 checks stay queued and will be sent when the hub is reachable again")) << r.err;
    NodeTally node = ReadNode();
    EXPECT_EQ(node.checks, 150);
    EXPECT_EQ(node.pending, 150);
    EXPECT_EQ(node.answered, 0);
  }
  StartHub();
  const json up = SyncChecks();
  EXPECT_EQ(up["uploaded"], 150);
  EXPECT_EQ(up["batches"], 2);
  EXPECT_EQ(up["outcomes"], json({{"confirmed", 135}, {"unknown_person", 15}}));
  EXPECT_EQ(SyncChecks()["uploaded"], 0);  // nothing left to send

  NodeTally node = ReadNode();
  EXPECT_EQ(node.pending, 0);
  EXPECT_EQ(node.answered, 150);
  EXPECT_EQ(node.repeated, 0);
  auto hub = ReadHub();
  EXPECT_EQ(hub.total, 150);
  EXPECT_EQ(hub.by_node[node_id_]["confirmed"], 135);
  EXPECT_EQ(hub.by_node[node_id_]["unknown_person"], 15);
}

// Batch 2 meets a 500 before it reaches the hub; batch 3 reaches the hub,
// which commits, but a gateway answers 502 (as one timing out would).
TEST_F(ReconcileFaultsTest, ServerErrorsAreRetriedAndNothingIsLostOrDuplicated) {
  Build();
  RecordChecks(250);  // batches of 100, 100, 50
  StartHub();
  FaultProxy proxy(hub_port_, [](const FaultProxy::Seen& r) {
    if (r.method != "POST" || r.target != "/v1/checks") return FaultProxy::Fault::kForward;
    if (r.nth == 1) return FaultProxy::Fault::kStatus500;
    if (r.nth == 3) return FaultProxy::Fault::kForwardThen502;
    return FaultProxy::Fault::kForward;
  });
  PointNodeAt(proxy.url());
  const ProcessResult r = Sync();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json up = json::parse(r.out)["checks"];
  EXPECT_EQ(up["uploaded"], 250);
  EXPECT_EQ(up["batches"], 3);
  EXPECT_EQ(proxy.Count("POST", "/v1/checks"), 5);  // batches 2 and 3 twice each
  EXPECT_TRUE(Contains(r.err, "HTTP 500")) << r.err;
  EXPECT_TRUE(Contains(r.err, "HTTP 502")) << r.err;

  NodeTally node = ReadNode();
  EXPECT_EQ(node.pending, 0);
  EXPECT_EQ(node.answered, 250);
  EXPECT_EQ(node.repeated, 50);  // batch 3, answered from the hub's record; batch 2 never reached it
  for (std::int64_t seq = 1; seq <= 250; ++seq) EXPECT_EQ(node.repeated_by_seq[seq], seq > 200) << seq;
  EXPECT_EQ(node.outcomes["confirmed"], 225);
  EXPECT_EQ(node.outcomes["unknown_person"], 25);
  auto hub = ReadHub();
  EXPECT_EQ(hub.total, 250);
  EXPECT_EQ(hub.by_node[node_id_]["confirmed"], 225);
}

TEST_F(ReconcileFaultsTest, AnAnswerLostAfterTheHubCommittedIsSentAgainAndAnsweredAsRepeated) {
  Build();
  RecordChecks(250);
  StartHub();
  FaultProxy proxy(hub_port_, [](const FaultProxy::Seen& r) {
    return r.method == "POST" && r.target == "/v1/checks" && r.nth == 0 ? FaultProxy::Fault::kLoseResponse
                                                                        : FaultProxy::Fault::kForward;
  });
  PointNodeAt(proxy.url());
  const json up = SyncChecks();
  EXPECT_EQ(up["uploaded"], 250);
  EXPECT_EQ(proxy.Count("POST", "/v1/checks"), 4);

  NodeTally node = ReadNode();
  EXPECT_EQ(node.pending, 0);
  EXPECT_EQ(node.answered, 250);
  EXPECT_EQ(node.repeated, 100);  // exactly the first batch, answered from the hub's record
  for (std::int64_t seq = 1; seq <= 250; ++seq) EXPECT_EQ(node.repeated_by_seq[seq], seq <= 100) << seq;
  EXPECT_EQ(node.outcomes["confirmed"], 225);
  auto hub = ReadHub();
  EXPECT_EQ(hub.total, 250);  // not 350
  EXPECT_EQ(hub.by_node[node_id_]["confirmed"], 225);
  EXPECT_EQ(hub.by_node[node_id_]["unknown_person"], 25);
}

// SIGKILL between the hub's answer and the node's record, then at other
// points; after each run both sides hold exactly what was committed.
TEST_F(ReconcileFaultsTest, ANodeKilledMidUploadResendsAndNothingIsDuplicated) {
  Build();
  RecordChecks(250);
  StartHub();
  struct Step {
    const char* stop;
    std::int64_t node_answered;
    std::int64_t hub_recorded;
  };
  for (const Step& step : {Step{"checks-answered:2", 100, 200},  // batch 2 committed at the hub only
                           Step{"checks-answered:1", 100, 200},  // batch 2 again: answered, not recorded
                           Step{"checks-recorded:1", 200, 200},  // batch 2 recorded (repeated answers)
                           Step{"", 250, 250}}) {
    SCOPED_TRACE(step.stop);
    std::map<std::string, std::string> env;
    if (*step.stop != '\0') env["AKARI_TEST_SYNC_STOP"] = step.stop;
    const ProcessResult r = Sync({}, env);
    if (*step.stop != '\0') {
      EXPECT_EQ(r.signal, SIGKILL) << r.err;
    } else {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(json::parse(r.out)["checks"]["uploaded"], 50);
    }
    NodeTally node = ReadNode();
    EXPECT_EQ(node.answered, step.node_answered);
    EXPECT_EQ(node.pending, 250 - step.node_answered);
    EXPECT_EQ(ReadHub(/*restart=*/true).total, step.hub_recorded);
  }
  NodeTally node = ReadNode();
  EXPECT_EQ(node.repeated, 100);  // batch 2 only
  for (std::int64_t seq = 1; seq <= 250; ++seq) EXPECT_EQ(node.repeated_by_seq[seq], seq > 100 && seq <= 200) << seq;
  auto hub = ReadHub();
  EXPECT_EQ(hub.by_node[node_id_]["confirmed"], 225);
  EXPECT_EQ(hub.by_node[node_id_]["unknown_person"], 25);
}

TEST_F(ReconcileFaultsTest, ChecksAlteredInTheQueueAreRefusedAndNeverRecordedAtTheHub) {
  Build();
  RecordChecks(10);
  {
    // Someone with the node's store key edits the queue: one body changed
    // (another facility), one signature replaced.
    auto node = testing::OpenNode(node_dir_);
    ASSERT_TRUE(node);
    auto read = node->store.database().Prepare("SELECT body FROM check_record WHERE seq = 4");
    ASSERT_TRUE(read && *read->Step());
    const ByteSpan blob = read->ColumnBlob(0);
    std::string body(blob.begin(), blob.end());
    const std::size_t at = body.find(R"("facility":"1710000001")");
    ASSERT_NE(at, std::string::npos) << body;
    body.replace(at, 23, R"("facility":"1710000002")");
    auto write = node->store.database().Prepare("UPDATE check_record SET body = ? WHERE seq = 4");
    ASSERT_TRUE(write);
    ASSERT_TRUE(write->BindBlob(1, AsBytes(body)).Run());
    auto read_sig = node->store.database().Prepare("SELECT signature FROM check_record WHERE seq = 7");
    ASSERT_TRUE(read_sig && *read_sig->Step());
    const ByteSpan sig_blob = read_sig->ColumnBlob(0);
    Bytes signature(sig_blob.begin(), sig_blob.end());
    ASSERT_EQ(signature.size(), 64u);
    signature[10] ^= 0x01;
    auto write_sig = node->store.database().Prepare("UPDATE check_record SET signature = ? WHERE seq = 7");
    ASSERT_TRUE(write_sig);
    ASSERT_TRUE(write_sig->BindBlob(1, signature).Run());
  }
  StartHub();
  const json up = SyncChecks();
  EXPECT_EQ(up["uploaded"], 10);
  EXPECT_EQ(up["outcomes"], json({{"confirmed", 7}, {"signature_invalid", 2}, {"unknown_person", 1}}));

  NodeTally node = ReadNode();
  EXPECT_EQ(node.pending, 0);
  EXPECT_EQ(node.outcome_by_seq[4], "signature_invalid");
  EXPECT_EQ(node.outcome_by_seq[7], "signature_invalid");
  const ProcessResult report = Akari({"checks", "report", "--data", node_dir_.string(), "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const json rep = json::parse(report.out);
  std::set<std::string> refused;
  for (const json& e : rep["entries"]) {
    if (e["hub"]["outcome"] == "signature_invalid") {
      EXPECT_EQ(e["action"], "identity_not_confirmed");
      refused.insert(e["check_id"]);
    }
  }
  EXPECT_EQ(refused, (std::set<std::string>{node_id_ + "-4", node_id_ + "-7"})) << rep.dump();
  {
    // The report names patients: its printing is in the audit log.
    auto opened = testing::OpenNode(node_dir_);
    ASSERT_TRUE(opened);
    auto last =
        opened->store.database().QueryText("SELECT event || ' ' || body FROM audit_log ORDER BY seq DESC LIMIT 1");
    ASSERT_TRUE(last) << last.error().message;
    EXPECT_TRUE(last->starts_with("report.reconciliation ")) << *last;
    EXPECT_NE(last->find(R"("actor":"cli")"), std::string::npos) << *last;
    EXPECT_NE(last->find(R"("format":"json")"), std::string::npos) << *last;
  }

  EXPECT_EQ(HubRowsFor({node_id_ + "-4", node_id_ + "-7"}), 0);
  auto hub = ReadHub();
  EXPECT_EQ(hub.total, 8);
  EXPECT_EQ(hub.by_node[node_id_].count("signature_invalid"), 0u);
}

// The node's clock is two days behind: a check it made "on" day D-2 was in
// truth made today, after the person changed insurance on day D-1.
TEST_F(ReconcileFaultsTest, ANodeClockTwoDaysBehindIsCorrectedByTheHub) {
  const TimePoint now = std::chrono::time_point_cast<std::chrono::seconds>(SystemClock::Instance().Now());
  const TimePoint node_now = now - std::chrono::hours(48);
  const sync::Date today = sync::DateInJapan(now);
  const sync::Date changed = sync::DateInJapan(now - std::chrono::hours(24));
  std::vector<sync::PersonRecord> persons = testing::SampleRegion(kPersons);
  sync::Coverage old_coverage = persons[0].coverages.back();
  persons[0].coverages.back().valid_to = changed;
  persons[0].coverages.back().loss_reason = sync::LossReason::kOtherInsurance;
  sync::Coverage next = old_coverage;
  next.insurer_number = testing::MakeInsurerNumber(1, 17, 1);
  next.insurer_name = "全国健康保険協会 石川支部";
  next.scheme = sync::Scheme::kKyokaiKenpo;
  next.symbol = "7654321";
  next.number = "42";
  next.branch = "00";
  next.valid_from = changed;
  persons[0].coverages.push_back(next);
  Build(persons);
  {
    ManualClock node_clock(node_now);
    auto node = testing::OpenNode(node_dir_);
    ASSERT_TRUE(node);
    node::CheckQueue queue(node->store, node_id_, node->keystore.signing_secret_key(), node_clock);
    const sync::Date node_today = node::TodayInJapan(node_clock);
    // Person 1 presents the old card (valid on the node's date); person 2 is unchanged.
    const auto first = queue.Record(InsuranceCheck(persons[0], old_coverage, false, node_today));
    ASSERT_TRUE(first);
    ASSERT_EQ(json::parse(first->body)["local_answer"]["status"], "covered");
    ASSERT_TRUE(queue.Record(InsuranceCheck(persons[1], persons[1].coverages.back(), false, node_today)));
  }
  StartHub();
  const json up = SyncChecks({}, {{"AKARI_TEST_CLOCK", FormatUtc(node_now)}});
  EXPECT_EQ(up["outcomes"], json({{"confirmed", 1}, {"different_coverage", 1}}));

  const std::vector<json> answers = NodeAnswers();
  ASSERT_EQ(answers.size(), 2u);
  for (const json& a : answers) {
    const std::int64_t skew = a["clock_skew_seconds"];
    EXPECT_GE(skew, 48 * 3600);
    EXPECT_LT(skew, 48 * 3600 + 60);
    TimePoint evaluated;
    ASSERT_TRUE(ParseUtc(a["evaluated_at"].get<std::string>(), evaluated));
    EXPECT_LT(std::chrono::abs(evaluated - now), std::chrono::minutes(1));
    EXPECT_EQ(sync::DateInJapan(evaluated), today);
  }
  EXPECT_EQ(answers[0]["outcome"], "different_coverage");
  EXPECT_EQ(answers[0]["qualification_validity"], 3);
  EXPECT_EQ(answers[0]["coverage"]["number"], "42");
  EXPECT_EQ(answers[0]["coverage"]["insurer_number"], next.insurer_number);
  EXPECT_EQ(answers[1]["outcome"], "confirmed");
  auto hub = ReadHub();
  EXPECT_EQ(hub.total, 2);
  EXPECT_EQ(hub.by_node[node_id_]["different_coverage"], 1);
}

TEST_F(ReconcileFaultsTest, ARemovedOrUnknownNodeIsRefusedAndItsChecksStayQueued) {
  Build();
  RecordChecks(5);
  testing::ProcessOptions o;
  o.env = {{"AKARI_HUB_PASSPHRASE", testing::kHubPassphrase}};
  const ProcessResult removed =
      testing::RunProgram("akari-hub", {"node", "remove", "--data", hub_dir_.string(), "--node", node_id_}, o);
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  StartHub();
  {
    FaultProxy proxy(hub_port_, {});
    PointNodeAt(proxy.url());
    const ProcessResult r = Sync();
    // The pull still works: the content key rotates at the next publish.
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(Contains(r.err, "HTTP 403: node " + node_id_ + " was removed from this hub")) << r.err;
    EXPECT_TRUE(Contains(r.err, "5 checks stay queued")) << r.err;
    EXPECT_EQ(proxy.Count("POST", "/v1/checks"), 1);  // a 4xx is not retried
  }
  NodeTally node = ReadNode();
  EXPECT_EQ(node.pending, 5);
  EXPECT_EQ(node.answered, 0);
  EXPECT_EQ(ReadHub().total, 0);

  // A hub the node never enrolled with.
  const std::filesystem::path other = root_ / "other-hub";
  ASSERT_TRUE(testing::MakeHub(other, SystemClock::Instance()));
  const int other_port = testing::FreeLoopbackPort();
  StartHub(other, other_port);
  PointNodeAt("http://127.0.0.1:" + std::to_string(other_port) + "/");
  const ProcessResult r = Sync({"--retries", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // and nothing is published there
  EXPECT_TRUE(Contains(r.err, "HTTP 403: node " + node_id_ + " is not enrolled at this hub")) << r.err;
  EXPECT_TRUE(Contains(r.err, "5 checks stay queued")) << r.err;
  node = ReadNode();
  EXPECT_EQ(node.pending, 5);
  EXPECT_EQ(node.answered, 0);
  EXPECT_EQ(ReadHub(false, other).total, 0);
}

TEST_F(ReconcileFaultsTest, TenThousandQueuedChecksArriveExactlyOnce) {
  // Documents without a zstd dictionary: the hub rebuilds the dictionary on
  // every person read (docs/benchmarks.md, "Reconciliation"), which would
  // double this test's time under ASan without changing what it checks.
  sync::hub::ImportOptions import;
  import.no_dictionary = true;
  Build(testing::SampleRegion(kPersons), import);
  RecordChecks(10000);
  StartHub();
  const json up = SyncChecks();
  EXPECT_EQ(up["uploaded"], 10000);
  EXPECT_EQ(up["batches"], 100);
  EXPECT_EQ(up["outcomes"], json({{"confirmed", 9000}, {"unknown_person", 1000}}));
  NodeTally node = ReadNode();
  EXPECT_EQ(node.checks, 10000);
  EXPECT_EQ(node.pending, 0);
  EXPECT_EQ(node.answered, 10000);
  EXPECT_EQ(node.repeated, 0);
  auto hub = ReadHub();
  EXPECT_EQ(hub.total, 10000);
  EXPECT_EQ(hub.by_node[node_id_]["confirmed"], 9000);
  EXPECT_EQ(hub.by_node[node_id_]["unknown_person"], 1000);
}

// `akari serve` with the hub down: staff check patients by insurance
// numbers through the API; the hub comes back on the same address and the
// node reconciles with no one doing anything.
TEST_F(ReconcileFaultsTest, ServeReconcilesOnItsOwnWhenTheHubComesBack) {
  Build();
  {
    // The node holds the region's data (synced before the outage).
    auto node = testing::OpenNode(node_dir_);
    ASSERT_TRUE(node);
    auto source = sync::client::MakeSource((hub_dir_ / "publication").string());
    ASSERT_TRUE(source) << source.error().message;
    auto synced = node::SyncNode(*node, **source, {});
    ASSERT_TRUE(synced) << synced.error().message;
  }
  const ProcessResult op = Akari({"operator", "add", "--data", node_dir_.string(), "--id", "clerk1", "--name",
                                  "受付 一郎", "--role", "clerk", "--kdf-ms", "5"},
                                 {{"AKARI_OPERATOR_PIN", "2468"}});
  ASSERT_EQ(op.exit_code, 0) << op.err;

  testing::BackgroundProcess serve(
      "akari",
      {"serve", "--data", node_dir_.string(), "--listen", "127.0.0.1:0", "--hub-interval", "1", "--threads", "2"},
      {{"AKARI_PASSPHRASE", testing::kNodePassphrase}});
  std::string base;
  for (int i = 0; i < 5 && base.empty(); ++i) {
    const auto line = serve.ReadLine(std::chrono::seconds(20));
    ASSERT_TRUE(line) << "akari serve printed no URL";
    std::smatch m;
    if (std::regex_search(*line, m, std::regex(R"(at (http://[^ ]+)/ )"))) base = m[1];
  }
  ASSERT_FALSE(base.empty());
  net::HttpClient client(net::ClientOptions{});
  auto login = client.PostJson(base + "/v1/login", {{"operator_id", "clerk1"}, {"pin", "2468"}});
  ASSERT_TRUE(login && login->status == 200) << (login ? login->body : login.error().message);
  net::Headers auth;
  auth.Set("Authorization", "Bearer " + json::parse(login->body)["token"].get<std::string>());
  for (std::size_t i = 0; i < 3; ++i) {
    const sync::PersonRecord& p = persons_[i];
    const sync::Coverage& c = p.coverages.back();
    auto r = client.PostJson(base + "/v1/checks/insurance",
                             {{"insurer_number", c.insurer_number},
                              {"symbol", c.symbol},
                              {"number", i == 2 ? std::string("9999999") : c.number},
                              {"branch", c.branch},
                              {"birth_date", sync::FormatDate(p.person.birth_date)}},
                             auth);
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
  }
  auto pending = [&]() -> std::int64_t {
    auto st = client.Get(base + "/v1/status");
    if (!st || st->status != 200) return -1;
    return json::parse(st->body)["queue"].value("pending", std::int64_t{-1});
  };
  auto hub_state = [&]() -> json {
    auto st = client.Get(base + "/v1/status");
    if (!st || st->status != 200) return nullptr;
    return json::parse(st->body)["hub"];
  };
  EXPECT_EQ(pending(), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the link fails a round or two
  EXPECT_EQ(pending(), 3);
  // /v1/status says so (the staff UI shows it beside the data age).
  const json failing = hub_state();
  ASSERT_TRUE(failing.is_object()) << failing.dump();
  EXPECT_GE(failing.value("failed_rounds", 0), 1) << failing.dump();
  EXPECT_TRUE(failing["last_error"].is_string()) << failing.dump();
  EXPECT_TRUE(failing["last_success"].is_null()) << failing.dump();

  StartHub();
  const auto back = std::chrono::steady_clock::now();
  std::int64_t left = -1;
  while (std::chrono::steady_clock::now() - back < std::chrono::seconds(20)) {
    left = pending();
    if (left == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(left, 0) << "the node did not reconcile within 20 s of the hub coming back";
  json healthy = hub_state();
  for (int i = 0; i < 100 && healthy.is_object() && healthy.value("failed_rounds", -1) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the round that uploaded also syncs
    healthy = hub_state();
  }
  ASSERT_TRUE(healthy.is_object()) << healthy.dump();
  EXPECT_EQ(healthy.value("failed_rounds", -1), 0) << healthy.dump();
  EXPECT_TRUE(healthy["last_success"].is_string()) << healthy.dump();
  EXPECT_TRUE(healthy["last_error"].is_null()) << healthy.dump();
  EXPECT_EQ(serve.Stop(), 0);

  NodeTally node = ReadNode();
  EXPECT_EQ(node.checks, 3);
  EXPECT_EQ(node.answered, 3);
  EXPECT_EQ(node.outcomes["confirmed"], 2);
  EXPECT_EQ(node.outcomes["unknown_person"], 1);
  auto hub = ReadHub();
  EXPECT_EQ(hub.total, 3);
  EXPECT_EQ(hub.by_node[node_id_]["confirmed"], 2);
}

}  // namespace
}  // namespace akari
