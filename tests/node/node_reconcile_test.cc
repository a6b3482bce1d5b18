// Reconciliation between a real node store and a real hub (store, import,
// POST /v1/checks over loopback HTTP): what the hub answers, what it
// records, and what it refuses. Faults between processes are in
// tests/sync/reconcile_*_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "node/audit/audit_log.h"
#include "node/checks/check_queue.h"
#include "node/operators/operator_store.h"
#include "node/service/service.h"
#include "node/store/meta_keys.h"
#include "node/sync/hub_link.h"
#include "sync/errors.h"
#include "sync/hub/checks.h"
#include "sync/hub/import.h"
#include "sync/hub/nodes.h"
#include "sync/hub/publisher.h"
#include "sync/index_keys.h"
#include "tests/sync/fault_proxy.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/secrets.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

namespace hub = sync::hub;
namespace rc = sync::reconcile;
using sync::SyncErrc;

using testing::At;

class NodeReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
    persons_ = testing::SampleRegion(12);
    Import();
    auto n = testing::MakeNode(root_ / "node");
    ASSERT_TRUE(n) << n.error().message;
    node_.emplace(std::move(*n));
    ASSERT_TRUE(testing::EnrollOverHttp(*hub_, *node_, clock_));
    auto server = testing::HubServer::Start(*hub_, clock_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    // Enrollment ran against a server that is gone; point the node at this one.
    ASSERT_TRUE(node_->store.SetMeta(store::meta::kHubUrl, server_->url()));
    queue_.emplace(node_->store, node_->keystore.node_id(), node_->keystore.signing_secret_key(), clock_);
  }

  void Import() {
    const auto dir = root_ / ("region-" + std::to_string(++imports_));
    auto s = testing::ImportSpec(*hub_, dir, {.persons = persons_}, clock_);
    ASSERT_TRUE(s) << s.error().message;
  }

  // A check of typed insurance numbers of `person`'s coverage `coverage`,
  // with the node's answer "covered by that coverage".
  node::CheckRecord NumbersCheck(std::size_t index, std::size_t coverage) {
    const sync::PersonRecord& p = persons_.at(index);
    const sync::Coverage& c = p.coverages.at(coverage);
    node::CheckInput in;
    in.method = node::CheckMethod::kInsuranceNumbers;
    in.assurance = node::Assurance::kNumbers;
    in.claim = {{"insurer_number", c.insurer_number},
                {"symbol", c.symbol},
                {"number", c.number},
                {"branch", c.branch},
                {"birth_date", sync::FormatDate(p.person.birth_date)}};
    in.person_id = p.person.id;
    in.answer = {
        "covered",
        {{"insurer_number", c.insurer_number}, {"symbol", c.symbol}, {"number", c.number}, {"branch", c.branch}},
        "",
        ""};
    auto r = queue_->Record(in);
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }
  node::CheckRecord UnknownNumbersCheck() {
    node::CheckInput in;
    in.method = node::CheckMethod::kInsuranceNumbers;
    in.assurance = node::Assurance::kNumbers;
    in.claim = {{"insurer_number", "06139992"}, {"symbol", "1"}, {"number", "999"}, {"branch", "00"}};
    in.answer = {"unknown_person", nullptr, "", ""};
    auto r = queue_->Record(in);
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  Result<node::UploadSummary> Upload() { return node::UploadChecks(*node_, server_->url(), {}, {}, clock_); }
  rc::UploadBatch Batch(std::vector<node::CheckRecord> checks) {
    rc::UploadBatch b;
    b.node_id = node_->keystore.node_id();
    b.sent_at = clock_.Now();
    for (const node::CheckRecord& c : checks) b.checks.push_back({c.id, c.body, c.signature});
    return b;
  }
  // A head as the node reports it: the entry's signature of `hash`, and
  // its statement of the number and time.
  rc::ReportedAuditHead SignedHead(std::int64_t seq, const crypto::Hash32& hash, TimePoint sent_at) {
    const crypto::SecretBuffer& key = node_->keystore.signing_secret_key();
    const crypto::Ed25519Signature signature = crypto::Sign(key, hash);
    const crypto::Ed25519Signature statement =
        crypto::Sign(key, rc::AuditHeadStatement(node_->keystore.node_id(), seq, hash, sent_at));
    return {seq, Bytes(hash.begin(), hash.end()), Bytes(signature.begin(), signature.end()),
            Bytes(statement.begin(), statement.end())};
  }
  // The audit head the hub keeps for this node (the test has made one).
  hub::NodeAuditHead KeptHead() { return hub::NodeAuditHeads(hub_->store)->at(node_->keystore.node_id()); }
  // Posts a batch with no checks that reports `head`, sent at `sent_at`.
  void PostHead(rc::ReportedAuditHead head, TimePoint sent_at) {
    rc::UploadBatch b = Batch({});
    b.sent_at = sent_at;
    b.audit_head = std::move(head);
    auto answered = hub::AnswerUpload(hub_->store, b, clock_);
    ASSERT_TRUE(answered) << answered.error().message;
  }
  static crypto::Hash32 HashOf(const rc::ReportedAuditHead& head) {
    crypto::Hash32 hash{};
    std::copy(head.hash.begin(), head.hash.end(), hash.begin());
    return hash;
  }
  // What an export of the node's log shows of its newest entry: the hash
  // and the entry's signature, with no statement.
  rc::ReportedAuditHead ExportedHead() {
    node::AuditLog log(node_->store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(),
                       clock_);
    auto head = log.SignedHead();
    EXPECT_TRUE(head && *head);
    return {(*head)->seq,
            Bytes((*head)->hash.begin(), (*head)->hash.end()),
            Bytes((*head)->signature.begin(), (*head)->signature.end()),
            {}};
  }
  hub::CheckCounts HubCounts() {
    auto c = hub::CountRecordedChecks(hub_->store);
    EXPECT_TRUE(c) << c.error().message;
    return c.value_or(hub::CheckCounts{});
  }
  std::int64_t Pending() { return node_->store.Counts()->checks_pending; }
  std::string StoredOutcome(const node::CheckRecord& c) {
    auto s = node_->store.database().Prepare("SELECT outcome FROM check_result WHERE check_seq = ?");
    s->Bind(1, c.seq);
    if (!*s->Step()) return "";
    return s->ColumnText(0);
  }

  testing::TempDir root_;
  ManualClock clock_{At("2026-11-20T01:00:00Z")};
  std::optional<hub::OpenHub> hub_;
  std::optional<node::OpenNode> node_;
  std::unique_ptr<testing::HubServer> server_;
  std::optional<node::CheckQueue> queue_;
  std::vector<sync::PersonRecord> persons_;
  int imports_ = 0;
};

TEST_F(NodeReconcileTest, TheHubAnswersEachCheckAsOfItsTimeAndRecordsItOnce) {
  const auto confirmed = NumbersCheck(0, 1);  // the current coverage
  const auto old_card = NumbersCheck(1, 0);   // the card of a coverage that ended in 2023
  const auto unknown = UnknownNumbersCheck();
  ASSERT_EQ(Pending(), 3);

  auto up = Upload();
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(up->uploaded, 3);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(StoredOutcome(confirmed), "confirmed");
  EXPECT_EQ(StoredOutcome(old_card), "different_coverage");
  EXPECT_EQ(StoredOutcome(unknown), "unknown_person");
  const hub::CheckCounts counts = HubCounts();
  EXPECT_EQ(counts.total, 3);
  EXPECT_EQ(counts.by_node.at(node_->keystore.node_id()).at("different_coverage"), 1);

  // Nothing pending: a second run sends nothing and the hub holds the same.
  auto again = Upload();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->uploaded, 0);
  EXPECT_EQ(HubCounts().total, 3);
}

// The hub keeps the highest audit head a node reports with its checks, so
// that an export of a log later cut short (or restored from a backup) can
// be told from the whole log.
TEST_F(NodeReconcileTest, TheHubKeepsTheHighestAuditHeadANodeReportsAndNotesWhenItGoesBack) {
  node::AuditLog log(node_->store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(), clock_);
  const std::string id = node_->keystore.node_id();
  auto kept = [&]() -> std::optional<hub::NodeAuditHead> {
    auto heads = hub::NodeAuditHeads(hub_->store);
    EXPECT_TRUE(heads) << heads.error().message;
    if (!heads || !heads->contains(id)) return std::nullopt;
    return heads->at(id);
  };
  EXPECT_FALSE(kept());
  NumbersCheck(0, 1);
  auto sent = log.SignedHead();
  ASSERT_TRUE(sent && *sent);
  ASSERT_TRUE(Upload());
  auto head = kept();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, (*sent)->seq);
  EXPECT_EQ(head->hash, Bytes((*sent)->hash.begin(), (*sent)->hash.end()));
  EXPECT_FALSE(head->went_back_at);

  // The next upload reports the log as it has grown (the first upload's
  // checks.reconciled entry at least).
  NumbersCheck(1, 1);
  sent = log.SignedHead();
  ASSERT_TRUE(Upload());
  head = kept();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, (*sent)->seq);
  EXPECT_GT(head->seq, 1);
  const std::int64_t highest = head->seq;

  // A head signed by someone else is not the node's: nothing changes.
  auto head_batch = [&](std::int64_t seq, std::uint8_t fill, bool signed_by_node,
                        std::chrono::seconds sent_before = std::chrono::seconds(0)) {
    rc::UploadBatch b = Batch({NumbersCheck(2, 1)});
    b.sent_at -= sent_before;
    b.audit_head = SignedHead(seq, crypto::Blake2b256(Bytes(1, fill)), b.sent_at);
    if (!signed_by_node) {
      b.audit_head->signature.assign(64, 0);
      b.audit_head->statement_signature.assign(64, 0);
    }
    return b;
  };
  ASSERT_TRUE(hub::AnswerUpload(hub_->store, head_batch(highest + 10, 1, false), clock_));
  EXPECT_EQ(kept()->seq, highest);
  // A lower head from a batch the node sent before the kept one's (akari
  // sync and akari serve upload from two processes) is only late.
  rc::UploadBatch late = head_batch(highest - 1, 5, true, std::chrono::seconds(5));
  ASSERT_TRUE(hub::AnswerUpload(hub_->store, late, clock_));
  EXPECT_EQ(kept()->seq, highest);
  EXPECT_FALSE(kept()->went_back_at);
  // A lower head sent later (a log cut short, or a node restored from a
  // backup) is noted; the higher one stays. So is the same number with
  // another hash.
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(hub::AnswerUpload(hub_->store, head_batch(highest - 1, 2, true), clock_));
  head = kept();
  EXPECT_EQ(head->seq, highest);
  ASSERT_TRUE(head->went_back_at);
  EXPECT_EQ(*head->went_back_at, clock_.Now());
  EXPECT_EQ(head->went_back_to, highest - 1);
  ASSERT_TRUE(hub::AnswerUpload(hub_->store, head_batch(highest, 3, true), clock_));
  EXPECT_EQ(kept()->went_back_to, highest);
  EXPECT_EQ(kept()->hash, Bytes((*sent)->hash.begin(), (*sent)->hash.end()));
  // A higher one is kept, and the note stays.
  ASSERT_TRUE(hub::AnswerUpload(hub_->store, head_batch(highest + 5, 4, true), clock_));
  head = kept();
  EXPECT_EQ(head->seq, highest + 5);
  EXPECT_TRUE(head->went_back_at);
}

// Every export of a node's log holds entries with their hashes and the
// node's signatures of them. Anyone who can post a batch could report such
// a hash under a number the log never reaches, and the node's next real
// upload would then look like a log cut short. The node's statement of
// number and time is what the hub takes instead.
TEST_F(NodeReconcileTest, TheHubTakesAHeadsNumberAndTimeOnlyFromTheNodesStatement) {
  const std::string id = node_->keystore.node_id();
  NumbersCheck(0, 1);
  ASSERT_TRUE(Upload());
  const hub::NodeAuditHead real = KeptHead();
  EXPECT_TRUE(real.statement_signed);
  const rc::ReportedAuditHead genuine = ExportedHead();
  clock_.Advance(std::chrono::minutes(1));
  // An exported entry under a number of the forger's choosing, without a
  // statement: this node signs statements, so it is not the node's.
  rc::ReportedAuditHead forged = genuine;
  forged.seq = 999'999'999;
  PostHead(forged, clock_.Now());
  EXPECT_EQ(KeptHead().seq, real.seq);
  // With a statement signed by another key, or the node's statement of
  // another number: not the node's either.
  const auto other = crypto::GenerateSigningKeyPair();
  const auto foreign =
      crypto::Sign(other->secret_key, rc::AuditHeadStatement(id, forged.seq, genuine.hash, clock_.Now()));
  forged.statement_signature.assign(foreign.begin(), foreign.end());
  PostHead(forged, clock_.Now());
  forged.statement_signature = SignedHead(genuine.seq, HashOf(genuine), clock_.Now()).statement_signature;
  PostHead(forged, clock_.Now());
  EXPECT_EQ(KeptHead().seq, real.seq);
  // The node's real statement replayed with a later time (to pass for a
  // log that went back since): the time is part of what it signed.
  const TimePoint first_sent = clock_.Now();
  const rc::ReportedAuditHead higher = SignedHead(real.seq + 3, crypto::Blake2b256(Bytes(1, 9)), first_sent);
  PostHead(higher, first_sent);
  ASSERT_EQ(KeptHead().seq, real.seq + 3);
  clock_.Advance(std::chrono::minutes(1));
  PostHead(SignedHead(real.seq + 4, crypto::Blake2b256(Bytes(1, 10)), clock_.Now()), clock_.Now());
  ASSERT_EQ(KeptHead().seq, real.seq + 4);
  PostHead(higher, clock_.Now());
  EXPECT_EQ(KeptHead().seq, real.seq + 4);
  EXPECT_FALSE(KeptHead().went_back_at);
  // Replayed with its own time, it is only a late batch.
  PostHead(higher, first_sent);
  EXPECT_FALSE(KeptHead().went_back_at);
  // The node's own statement of a lower number, sent later, is the alarm.
  clock_.Advance(std::chrono::minutes(1));
  PostHead(SignedHead(real.seq + 1, crypto::Blake2b256(Bytes(1, 11)), clock_.Now()), clock_.Now());
  EXPECT_EQ(KeptHead().went_back_to, real.seq + 1);
}

// Before a node's first statement reaches the hub (no row yet, or a row
// migrated from before statements), anyone with an export of its log can
// post an unsigned head under any number and time, and a lower one to
// raise "went back". The node's first statement replaces both.
TEST_F(NodeReconcileTest, HeadsForgedBeforeTheNodesFirstStatementAreReplacedByIt) {
  NumbersCheck(0, 1);
  auto forge = [&](std::int64_t seq, TimePoint sent_at) {
    rc::ReportedAuditHead forged = ExportedHead();
    forged.seq = seq;
    PostHead(std::move(forged), sent_at);
  };
  // A forged time in 2099 counts as the hub's own.
  forge(999'999'999, clock_.Now() + std::chrono::hours(24 * 365 * 70));
  clock_.Advance(std::chrono::minutes(1));
  forge(5, clock_.Now());
  ASSERT_EQ(KeptHead().seq, 999'999'999);
  ASSERT_EQ(KeptHead().went_back_to, 5);
  EXPECT_FALSE(KeptHead().statement_signed);
  // The node's real upload, with its statement.
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(Upload());
  const hub::NodeAuditHead real = KeptHead();
  EXPECT_LT(real.seq, 100);
  EXPECT_TRUE(real.statement_signed);
  EXPECT_FALSE(real.went_back_at);
  EXPECT_FALSE(real.went_back_to);
  // From here on, unsigned heads are not the node's.
  clock_.Advance(std::chrono::minutes(1));
  forge(999'999'999, clock_.Now());
  EXPECT_EQ(KeptHead().seq, real.seq);
}

// A node whose clock ran ahead (a year) and was then corrected: its later
// heads must not all look "sent earlier" than the kept one, or a log cut
// short would never be noted.
TEST_F(NodeReconcileTest, ANodeClockThatRanAheadDoesNotHideALogThatWentBack) {
  auto post = [&](std::int64_t seq, std::uint8_t fill, TimePoint sent_at) {
    PostHead(SignedHead(seq, crypto::Blake2b256(Bytes(1, fill)), sent_at), sent_at);
  };
  post(50, 1, clock_.Now() + std::chrono::hours(24 * 365));
  ASSERT_EQ(KeptHead().seq, 50);
  clock_.Advance(std::chrono::hours(1));
  post(20, 2, clock_.Now());  // the clock corrected; the log restored from a backup
  EXPECT_EQ(KeptHead().went_back_to, 20);
}

// A node from before statements reports heads without one; the hub keeps
// them as before (and says they are unsigned) until the node updates.
TEST_F(NodeReconcileTest, AHeadFromANodeBeforeStatementsIsKeptUntilTheNodeSignsOne) {
  auto post = [&](rc::ReportedAuditHead head, bool with_statement) {
    if (!with_statement) head.statement_signature.clear();
    PostHead(std::move(head), clock_.Now());
  };
  post(SignedHead(5, crypto::Blake2b256(Bytes(1, 1)), clock_.Now()), false);
  EXPECT_EQ(KeptHead().seq, 5);
  EXPECT_FALSE(KeptHead().statement_signed);
  clock_.Advance(std::chrono::minutes(1));
  post(SignedHead(7, crypto::Blake2b256(Bytes(1, 2)), clock_.Now()), false);
  EXPECT_EQ(KeptHead().seq, 7);
  // The node updates: its first statement marks it, and heads without one
  // are no longer taken from it.
  clock_.Advance(std::chrono::minutes(1));
  post(SignedHead(9, crypto::Blake2b256(Bytes(1, 3)), clock_.Now()), true);
  EXPECT_EQ(KeptHead().seq, 9);
  EXPECT_TRUE(KeptHead().statement_signed);
  clock_.Advance(std::chrono::minutes(1));
  post(SignedHead(11, crypto::Blake2b256(Bytes(1, 4)), clock_.Now()), false);
  EXPECT_EQ(KeptHead().seq, 9);
  EXPECT_TRUE(KeptHead().statement_signed);
}

TEST_F(NodeReconcileTest, ACheckSentAgainGetsItsFirstAnswerEvenAfterTheRecordsChanged) {
  const auto check = NumbersCheck(2, 1);
  auto first = hub::AnswerUpload(hub_->store, Batch({check}), clock_);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->answers.at(0).outcome, rc::Outcome::kConfirmed);
  EXPECT_FALSE(first->answers.at(0).repeated);

  // The person's coverage is corrected retroactively at the hub.
  persons_[2].coverages[1].valid_to = 20261101;
  Import();
  auto second = hub::AnswerUpload(hub_->store, Batch({check}), clock_);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->answers.at(0).outcome, rc::Outcome::kConfirmed);
  EXPECT_TRUE(second->answers.at(0).repeated);
  EXPECT_EQ(HubCounts().total, 1);

  // A check made after the correction sees it.
  const auto later = NumbersCheck(2, 1);
  auto third = hub::AnswerUpload(hub_->store, Batch({later}), clock_);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->answers.at(0).outcome, rc::Outcome::kNotCovered);
  EXPECT_EQ(third->answers.at(0).ended_coverage["valid_to"], "2026-11-01");
}

TEST_F(NodeReconcileTest, AnAlteredCheckIsAnsweredButNeverTakesTheRealChecksId) {
  const auto check = NumbersCheck(3, 1);
  node::CheckRecord forged = check;
  forged.body.replace(forged.body.find("\"covered\""), 9, "\"covered\"  ");
  auto r = hub::AnswerUpload(hub_->store, Batch({forged}), clock_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->answers.at(0).outcome, rc::Outcome::kSignatureInvalid);
  EXPECT_EQ(r->answers.at(0).qualification_validity, 0);
  EXPECT_EQ(HubCounts().total, 0);

  auto real = hub::AnswerUpload(hub_->store, Batch({check}), clock_);
  ASSERT_TRUE(real);
  EXPECT_EQ(real->answers.at(0).outcome, rc::Outcome::kConfirmed);
  EXPECT_EQ(HubCounts().total, 1);
}

TEST_F(NodeReconcileTest, ADifferentCheckUnderARecordedIdDoesNotReplaceIt) {
  const auto check = NumbersCheck(4, 1);
  ASSERT_TRUE(hub::AnswerUpload(hub_->store, Batch({check}), clock_));
  // Same id, other content, validly signed by the node (a node bug or a
  // restored backup that reused sequence numbers).
  node::CheckRecord other = check;
  other.body.replace(other.body.find("\"covered\""), 9, "\"covered\"  ");
  const auto sig = crypto::Sign(node_->keystore.signing_secret_key(), rc::CheckSigningInput(other.body));
  other.signature.assign(sig.begin(), sig.end());
  auto r = hub::AnswerUpload(hub_->store, Batch({other}), clock_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->answers.at(0).outcome, rc::Outcome::kMalformed);
  EXPECT_NE(r->answers.at(0).detail.find("already recorded"), std::string::npos);
  EXPECT_EQ(HubCounts().total, 1);
}

TEST_F(NodeReconcileTest, AClockHoursOffIsCorrectedAndReported) {
  // The node's clock was 3 hours slow: a check it stamped 2026-11-20 22:30
  // JST was made at 2026-11-21 01:30 JST, after the coverage ended.
  persons_[5].coverages[1].valid_to = 20261121;
  Import();
  clock_.Set(At("2026-11-20T13:30:00Z"));
  const auto check = NumbersCheck(5, 1);
  rc::UploadBatch batch = Batch({check});
  clock_.Set(At("2026-11-21T09:00:00Z"));
  batch.sent_at = clock_.Now() - std::chrono::hours(3);
  auto r = hub::AnswerUpload(hub_->store, batch, clock_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->answers.at(0).clock_skew_seconds, 3 * 3600);
  EXPECT_EQ(r->answers.at(0).evaluated_at, "2026-11-20T16:30:00Z");
  EXPECT_EQ(r->answers.at(0).outcome, rc::Outcome::kNotCovered);

  // Within the tolerance the node's time stands.
  clock_.Set(At("2026-11-20T13:30:00Z"));
  const auto near = NumbersCheck(5, 1);
  rc::UploadBatch b2 = Batch({near});
  b2.sent_at = clock_.Now() - std::chrono::seconds(60);
  auto r2 = hub::AnswerUpload(hub_->store, b2, clock_);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->answers.at(0).evaluated_at, "2026-11-20T13:30:00Z");
  EXPECT_EQ(r2->answers.at(0).outcome, rc::Outcome::kConfirmed);
}

TEST_F(NodeReconcileTest, UnknownAndRemovedNodesAreRefusedAndTheirChecksStayQueued) {
  const auto check = NumbersCheck(6, 1);
  rc::UploadBatch stranger = Batch({check});
  stranger.node_id = "00000000000000000000000000000000";
  auto r = hub::AnswerUpload(hub_->store, stranger, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kUnknownKey);
  EXPECT_NE(r.error().message.find("not enrolled"), std::string::npos);

  ASSERT_TRUE(hub::RemoveNode(hub_->store, node_->keystore.node_id(), clock_));
  auto up = Upload();
  ASSERT_FALSE(up);
  EXPECT_EQ(up.error().code, SyncErrc::kHttp);
  EXPECT_NE(up.error().message.find("403"), std::string::npos) << up.error().message;
  EXPECT_NE(up.error().message.find("removed"), std::string::npos) << up.error().message;
  EXPECT_NE(up.error().message.find("stay queued"), std::string::npos) << up.error().message;
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(HubCounts().total, 0);
}

TEST_F(NodeReconcileTest, BadBatchesAreRefusedWhole) {
  const auto a = NumbersCheck(7, 1);
  auto twice = hub::AnswerUpload(hub_->store, Batch({a, a}), clock_);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, SyncErrc::kInvalidArgument);
  EXPECT_NE(twice.error().message.find("twice"), std::string::npos);

  rc::UploadBatch big = Batch({});
  for (std::size_t i = 0; i <= rc::kMaxBatchChecks; ++i) big.checks.push_back({"x-" + std::to_string(i), "{}", {}});
  auto too_many = hub::AnswerUpload(hub_->store, big, clock_);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, SyncErrc::kInvalidArgument);
  EXPECT_EQ(HubCounts().total, 0);

  // Over HTTP: not JSON, and a batch that is not a batch.
  net::HttpClient http;
  auto garbage = http.PostJson(net::JoinUrl(server_->url(), "v1/checks"), nlohmann::json::array({1, 2}));
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_NE(garbage->body.find("bad_request"), std::string::npos);
}

// A visitor from Toyama at an Ishikawa shelter: the node's snapshot holds
// only Ishikawa, so it cannot answer; the hub, holding other regions as
// reference records, resolves them when it is reachable again.
TEST_F(NodeReconcileTest, AnEvacueeFromAnotherRegionIsResolvedFromReferenceRecords) {
  const auto dir = root_ / "toyama";
  testing::RegionSpec spec;
  spec.region = "16";
  spec.persons = testing::SampleRegion(3, 100);
  ASSERT_TRUE(testing::WriteRegion(dir, spec));
  hub::ImportOptions reference;
  reference.reference = true;
  auto imported = hub::ImportRegion(hub_->store, dir, reference, clock_);
  ASSERT_TRUE(imported) << imported.error().message;
  const sync::PersonRecord& visitor = spec.persons[1];
  const std::int64_t hub_id = hub::ReferencePersonId(16, visitor.person.id);

  // Self-reported: no card, no papers.
  node::CheckInput stated;
  stated.method = node::CheckMethod::kSelfReported;
  stated.assurance = node::Assurance::kSelfReported;
  stated.claim = {{"name", visitor.person.name},
                  {"name_kana", visitor.person.name_kana},
                  {"birth_date", sync::FormatDate(visitor.person.birth_date)},
                  {"sex", static_cast<int>(visitor.person.sex)},
                  {"address", "富山県"}};
  stated.answer = {"unknown_person", nullptr, "", ""};
  auto self_reported = queue_->Record(stated);
  ASSERT_TRUE(self_reported);

  // A My Number Card whose certificate verified but links to no one here.
  const sync::CardLink& link = visitor.card_links.at(0);
  node::CheckInput card;
  card.method = node::CheckMethod::kCard;
  card.assurance = node::Assurance::kSignature;
  card.claim = {{"card_key", ToHex(sync::CardLinkKey(*FromHex(link.issuer_der_hex), *FromHex(link.serial_hex)))}};
  card.answer = {"unknown_person", nullptr, "", ""};
  auto card_check = queue_->Record(card);
  ASSERT_TRUE(card_check);

  auto r = hub::AnswerUpload(hub_->store, Batch({*self_reported, *card_check}), clock_);
  ASSERT_TRUE(r) << r.error().message;
  const rc::CheckAnswer& a = r->answers.at(0);
  EXPECT_EQ(a.outcome, rc::Outcome::kMatched);
  EXPECT_EQ(a.person_id, hub_id);
  EXPECT_EQ(a.coverage["insurer_number"], visitor.coverages[1].insurer_number);
  const rc::CheckAnswer& b = r->answers.at(1);
  EXPECT_EQ(b.outcome, rc::Outcome::kDifferentCoverage);
  EXPECT_EQ(b.person_id, hub_id);
  EXPECT_EQ(rc::ActionFor(b.outcome), rc::Action::kBillAnotherInsurer);

  // Reference records are never published to this region's nodes.
  auto published = hub::Publish(*hub_, {}, clock_);
  ASSERT_TRUE(published) << published.error().message;
  EXPECT_EQ(published->persons, 12);
}

TEST_F(NodeReconcileTest, TheHubLinkReconcilesAndSyncsWithoutHelp) {
  for (int i = 0; i < 5; ++i) NumbersCheck(static_cast<std::size_t>(i), 1);
  hub::PublishOptions options;
  ASSERT_TRUE(hub::Publish(*hub_, options, clock_));
  node::HubLinkOptions link_options;
  link_options.interval = std::chrono::milliseconds(50);
  link_options.clock = &clock_;
  auto link = node::HubLink::Start(*node_, link_options);
  ASSERT_TRUE(link) << link.error().message;
  for (int i = 0; i < 400 && (*link)->State().rounds < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  (*link)->Stop();
  const node::HubLinkState state = (*link)->State();
  EXPECT_GE(state.rounds, 2);
  EXPECT_EQ(state.last_error, "");
  EXPECT_EQ(state.checks_uploaded, 5);
  EXPECT_EQ(state.data_version, 1);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(HubCounts().total, 5);
  EXPECT_EQ(node_->store.Counts()->persons, 12);
}

// Polls `link`'s state until `done` holds (10 s at most).
template <typename Pred>
node::HubLinkState WaitForLink(node::HubLink& link, Pred done) {
  for (int i = 0; i < 400 && !done(link.State()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  return link.State();
}

// One request to `service`, as from the staff UI on loopback.
net::Response Ask(node::Service& service, std::string method, std::string path, std::string body = "",
                  std::string token = "") {
  net::Request request;
  request.method = std::move(method);
  request.target = request.path = std::move(path);
  request.remote_address = "127.0.0.1";
  request.body = std::move(body);
  if (!request.body.empty()) request.headers.Set("Content-Type", "application/json");
  if (!token.empty()) request.headers.Set("Authorization", "Bearer " + token);
  return service.Handle(request);
}

TEST_F(NodeReconcileTest, TheHubLinkHoldsALargeFullApplyWhileStaffWorkAndAppliesItOnceIdle) {
  ASSERT_TRUE(hub::Publish(*hub_, {}, clock_));
  {
    node::OperatorStore operators(node_->store, clock_);
    ASSERT_TRUE(operators.Add("admin1", "Admin", node::Role::kAdmin, testing::Secret("1234"), testing::kFastArgon2id));
  }
  std::atomic<bool> busy{true};
  node::HubLinkOptions options;
  options.interval = std::chrono::milliseconds(50);
  options.clock = &clock_;
  options.hold_full_apply_persons = 1;
  options.hold_full_apply_idle = std::chrono::minutes(10);
  options.last_use = [&]() -> std::optional<std::chrono::steady_clock::time_point> {
    if (busy) return std::chrono::steady_clock::now();
    return std::chrono::steady_clock::now() - std::chrono::minutes(11);
  };
  auto started = node::HubLink::Start(*node_, options);
  ASSERT_TRUE(started) << started.error().message;
  node::HubLink& link = **started;
  // The first sync is never held: a node without data has nothing to protect.
  auto state = WaitForLink(link, [](const node::HubLinkState& s) { return s.data_version == 1; });
  ASSERT_EQ(state.data_version, 1) << state.last_error;
  EXPECT_FALSE(state.held);

  // The hub publishes a full snapshot (no delta listed) in which person
  // `index` changed; the link is woken and its state read once it holds
  // version `version` (or after 10 s).
  hub::PublishOptions full;
  full.max_deltas = 0;
  auto publish_full = [&](std::size_t index, std::int64_t version) {
    persons_[index].coverages[1].valid_to = 20261101;
    Import();
    EXPECT_TRUE(hub::Publish(*hub_, full, clock_));
    link.Wake();
    return WaitForLink(link, [&](const node::HubLinkState& s) { return s.held && s.held->version == version; });
  };

  // A full snapshot arrives while staff are working: held.
  state = publish_full(3, 2);
  ASSERT_TRUE(state.held) << state.last_error;
  EXPECT_GT(state.held->persons, 0);  // the persons of the chunks that changed
  EXPECT_LE(state.held->persons, 12);
  EXPECT_EQ(state.held->idle_needed, std::chrono::minutes(10));
  EXPECT_EQ(state.data_version, 1);
  EXPECT_EQ(state.last_error, "");
  const std::int64_t rounds = state.rounds;
  state = WaitForLink(link, [&](const node::HubLinkState& s) { return s.rounds >= rounds + 2; });
  EXPECT_TRUE(state.held) << "still held while staff keep working";
  EXPECT_EQ(state.data_version, 1);
  {
    // Staff see it in GET /v1/status (and the UI's top bar).
    auto service = node::Service::Create(*node_, clock_, {}, 1);
    ASSERT_TRUE(service) << service.error().message;
    (*service)->AttachHubLink(&link);
    const net::Response r = Ask(**service, "GET", "/v1/status");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto held = nlohmann::json::parse(r.body)["hub"]["held_update"];
    EXPECT_EQ(held["version"], 2) << r.body;
    EXPECT_EQ(held["idle_minutes_needed"], 10);
    EXPECT_EQ(held["persons"], state.held->persons);
    EXPECT_EQ(held["since"], "2026-11-20T01:00:00Z");
    EXPECT_EQ(held["apply_by"], "2026-11-20T07:00:00Z");  // six hours at most
    (*service)->AttachHubLink(nullptr);
  }

  // Ten minutes without a request: applied at the next round.
  busy = false;
  link.Wake();
  state = WaitForLink(link, [](const node::HubLinkState& s) { return s.data_version == 2; });
  EXPECT_EQ(state.data_version, 2) << state.last_error;
  EXPECT_FALSE(state.held);

  // An admin chooses the moment: applied now, while staff work.
  busy = true;
  state = publish_full(6, 3);
  ASSERT_TRUE(state.held) << state.last_error;
  {
    auto service = node::Service::Create(*node_, clock_, {}, 1);
    ASSERT_TRUE(service) << service.error().message;
    (*service)->AttachHubLink(&link);
    const net::Response login = Ask(**service, "POST", "/v1/login", R"({"operator_id":"admin1","pin":"1234"})");
    ASSERT_EQ(login.status, 200) << login.body;
    const std::string token = nlohmann::json::parse(login.body)["token"];
    const net::Response r = Ask(**service, "POST", "/v1/hub/held-update/apply", "", token);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body)["version"], 3);
    state = WaitForLink(link, [](const node::HubLinkState& s) { return s.data_version == 3; });
    EXPECT_EQ(state.data_version, 3) << state.last_error;
    EXPECT_FALSE(state.held);
    const net::Response again = Ask(**service, "POST", "/v1/hub/held-update/apply", "", token);
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_NE(again.body.find("nothing_held"), std::string::npos) << again.body;
    (*service)->AttachHubLink(nullptr);
  }

  // Staff who never stop: held at most six hours, then applied anyway.
  state = publish_full(4, 4);
  ASSERT_TRUE(state.held) << state.last_error;
  clock_.Advance(std::chrono::hours(5));
  link.Wake();
  const std::int64_t rounds_at_5h = state.rounds;
  state = WaitForLink(link, [&](const node::HubLinkState& s) { return s.rounds >= rounds_at_5h + 2; });
  EXPECT_TRUE(state.held) << "five hours: still held";
  EXPECT_EQ(state.data_version, 3);
  clock_.Advance(std::chrono::hours(1));
  link.Wake();
  state = WaitForLink(link, [](const node::HubLinkState& s) { return s.data_version == 4; });
  EXPECT_EQ(state.data_version, 4) << state.last_error;
  EXPECT_FALSE(state.held);
  link.Stop();

  // Data past its expiry is not protected: a full apply goes ahead even
  // while staff work, from the first round of a new link.
  clock_.Advance(std::chrono::hours(24 * 8));
  persons_[5].coverages[1].valid_to = 20261101;
  Import();
  ASSERT_TRUE(hub::Publish(*hub_, full, clock_));
  auto restarted = node::HubLink::Start(*node_, options);
  ASSERT_TRUE(restarted) << restarted.error().message;
  state = WaitForLink(**restarted, [](const node::HubLinkState& s) { return s.data_version == 5; });
  EXPECT_EQ(state.data_version, 5) << state.last_error;
  EXPECT_FALSE(state.held);
  (*restarted)->Stop();
  auto version = node_->store.GetMeta(store::meta::kDataVersion);
  ASSERT_TRUE(version && *version);
  EXPECT_EQ(**version, "5");
  auto released = node_->store.database().Prepare("SELECT count(*) FROM audit_log WHERE event = 'sync.release'");
  ASSERT_TRUE(released && *released->Step());
  EXPECT_EQ(released->ColumnInt(0), 1) << "the admin's decision is audited";
}

TEST_F(NodeReconcileTest, TheHubLinkBacksOffWhileTheHubIsDownAndStopsPromptly) {
  NumbersCheck(0, 1);
  server_.reset();  // the hub is gone
  node::HubLinkOptions link_options;
  link_options.first_retry = std::chrono::milliseconds(20);
  link_options.max_retry = std::chrono::milliseconds(80);
  link_options.client.connect_timeout = std::chrono::milliseconds(500);
  link_options.clock = &clock_;
  auto link = node::HubLink::Start(*node_, link_options);
  ASSERT_TRUE(link);
  for (int i = 0; i < 400 && (*link)->State().failed_rounds < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const auto before = std::chrono::steady_clock::now();
  (*link)->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  const node::HubLinkState state = (*link)->State();
  EXPECT_GE(state.failed_rounds, 3);
  EXPECT_NE(state.last_error.find("check upload"), std::string::npos) << state.last_error;
  EXPECT_EQ(Pending(), 1);
}

TEST_F(NodeReconcileTest, TheHubLinkSyncsEvenWhileTheHubRefusesTheChecks) {
  NumbersCheck(0, 1);
  ASSERT_TRUE(hub::Publish(*hub_, {}, clock_));
  // The hub's check endpoint fails while its publication is served.
  const std::string url = server_->url();
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  testing::FaultProxy proxy(port, [](const testing::FaultProxy::Seen& request) {
    return request.method == "POST" ? testing::FaultProxy::Fault::kStatus500 : testing::FaultProxy::Fault::kForward;
  });
  ASSERT_TRUE(node_->store.SetMeta(store::meta::kHubUrl, proxy.url()));
  node::HubLinkOptions link_options;
  link_options.first_retry = std::chrono::milliseconds(20);
  link_options.max_retry = std::chrono::milliseconds(80);
  link_options.clock = &clock_;
  auto link = node::HubLink::Start(*node_, link_options);
  ASSERT_TRUE(link) << link.error().message;
  const node::HubLinkState state = WaitForLink(**link, [](const node::HubLinkState& s) { return s.data_version == 1; });
  (*link)->Stop();
  EXPECT_EQ(state.data_version, 1) << state.last_error;
  EXPECT_EQ(node_->store.Counts()->persons, 12);
  EXPECT_THAT(state.last_error, ::testing::HasSubstr("check upload")) << "the refusal is still reported";
  EXPECT_EQ(Pending(), 1) << "the check stays queued";
}

TEST_F(NodeReconcileTest, ANodeThatIsNotEnrolledIsToldWhatToDo) {
  ASSERT_TRUE(node_->store.SetMeta(store::meta::kHubUrl, ""));
  auto link = node::HubLink::Start(*node_, {});
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, SyncErrc::kInvalidArgument);
  EXPECT_NE(link.error().message.find("akari enroll"), std::string::npos);
}

}  // namespace
}  // namespace akari
