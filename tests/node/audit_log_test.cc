#include "node/audit/audit_log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "base/strings.h"
#include "crypto/keys.h"
#include "node/store/meta_keys.h"
#include "tests/node/audit_store_fixture.h"

namespace akari::node {
namespace {

class AuditLogTest : public AuditStoreTest {
 protected:
  void SetUp() override {
    AuditStoreTest::SetUp();
    if (HasFatalFailure()) return;
    for (int i = 1; i <= 5; ++i) {
      auto seq = log_->Append({"record.open", "op" + std::to_string(i), i, {{"reason", "card"}}});
      ASSERT_TRUE(seq);
      EXPECT_EQ(*seq, i);
    }
  }
  Status Exec(const std::string& sql) { return store_->database().Exec(sql); }
  // The whole chain verifies and holds `entries` entries.
  void ExpectIntact(std::int64_t entries) {
    auto r = log_->Verify();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->ok()) << r->problem;
    EXPECT_EQ(r->entries, entries);
  }
};

TEST_F(AuditLogTest, IntactLogVerifies) {
  ExpectIntact(5);
}

TEST_F(AuditLogTest, EditedEntryIsNamed) {
  ASSERT_TRUE(Exec("UPDATE audit_log SET body = replace(body, 'op3', 'op9') WHERE seq = 3"));
  auto r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_bad_seq, 3);
  EXPECT_NE(r->problem.find("edited"), std::string::npos) << r->problem;
}

TEST_F(AuditLogTest, AnEditedTimeOrEventColumnIsNamed) {
  // A restore finds the backup's time by these columns (node/backup.cc).
  for (const char* edit : {"UPDATE audit_log SET at = at + 86400 WHERE seq = 2",
                           "UPDATE audit_log SET event = 'node.backup' WHERE seq = 2"}) {
    ASSERT_TRUE(Exec("SAVEPOINT edit"));
    ASSERT_TRUE(Exec(edit));
    auto r = log_->Verify();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->first_bad_seq, 2) << edit;
    EXPECT_NE(r->problem.find("time or event column"), std::string::npos) << r->problem;
    ASSERT_TRUE(Exec("ROLLBACK TO edit; RELEASE edit"));
  }
  ExpectIntact(5);
}

TEST_F(AuditLogTest, DeletedEntryIsNamed) {
  ASSERT_TRUE(Exec("DELETE FROM audit_log WHERE seq = 2"));
  auto r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_bad_seq, 2);
  EXPECT_NE(r->problem.find("missing"), std::string::npos) << r->problem;
}

TEST_F(AuditLogTest, ReorderedEntriesAreNamed) {
  // Swap the contents of entries 2 and 4 (bodies, hashes and signatures).
  ASSERT_TRUE(
      Exec("UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 4;"
           "UPDATE audit_log SET seq = 4 WHERE seq = -2;"));
  auto r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_bad_seq, 2);
}

TEST_F(AuditLogTest, ForeignSignatureIsNamed) {
  auto other = crypto::GenerateSigningKeyPair();
  ASSERT_TRUE(other);
  AuditLog forged(*store_, other->secret_key, other->public_key, clock_);
  ASSERT_TRUE(forged.Append({"mode.change", "intruder", std::nullopt, {}}));
  auto r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_bad_seq, 6);
  EXPECT_NE(r->problem.find("signature"), std::string::npos);
}

TEST_F(AuditLogTest, AppendJoinsTheCallersTransaction) {
  {
    auto tx = store::Transaction::Begin(store_->database());
    ASSERT_TRUE(tx);
    ASSERT_TRUE(log_->Append({"check.record", "op1", 1, {}}));
    // Rolled back: the entry must vanish with the transaction.
  }
  EXPECT_EQ(log_->Head()->first, 5);
  EXPECT_TRUE(log_->Verify()->ok());
}

TEST_F(AuditLogTest, SealedEntriesAreWrittenAsSealedWhileTheHeadHolds) {
  const AuditEvent e1{"record.open", "op1", 6, {}}, e2{"record.open", "op2", 7, {}};
  const AuditEvent* events[] = {&e1, &e2};
  auto head = log_->Head();
  ASSERT_TRUE(head);
  const SealedAuditBatch sealed = log_->Seal(events, *head);
  EXPECT_EQ(sealed.follows, *head);
  // Sealed again now, the entries would carry a later time and so other
  // hashes: head_after() below tells the two apart.
  clock_.Advance(std::chrono::seconds(5));
  AuditHead after;
  auto first = log_->AppendBatch(events, &sealed, &after);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, 6);
  EXPECT_EQ(after, sealed.head_after());
  EXPECT_EQ(*log_->Head(), after);
  ExpectIntact(7);
}

TEST_F(AuditLogTest, ASealedBodyIsTheCanonicalDumpOfItsMembers) {
  // The body is written directly; it must be byte for byte what nlohmann's
  // dump() writes for the same object (keys sorted), or entries written
  // before and after would differ in form.
  const std::string invalid_utf8 = std::string("bad \xC3\x28 byte");
  const std::vector<AuditEvent> events = {
      {"record.open", "doctor-1", 42, {{"basis", "insurance_numbers"}, {"check_id", 17}, {"assurance", "card"}}},
      {"disaster.search",
       "nurse \"A\"\\",
       std::nullopt,
       {{"reason", "避難所 名簿\n照合\t\u0001"}, {"results", {1, 2, 3}}, {"nested", {{"z", nullptr}, {"a", 1.5}}}}},
      {"mode.change", "cli", std::nullopt, nlohmann::json::object()},
      {"record.open", invalid_utf8, 7, {{"reason", invalid_utf8}}},
      {"login.fail", "op\x7f", std::nullopt, {{"tries_left", 0}, {"locked", true}}},
  };
  std::vector<const AuditEvent*> pointers;
  for (const AuditEvent& e : events) pointers.push_back(&e);
  const std::optional<TimePoint> own = FromUnixSeconds(1763990000);
  const std::vector<std::optional<TimePoint>> at = {std::nullopt, own, std::nullopt, own, std::nullopt};
  const AuditHead head{41, crypto::Hash32{}};
  const SealedAuditBatch sealed = log_->Seal(pointers, head, at);
  ASSERT_EQ(sealed.entries.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const AuditEvent& e = events[i];
    nlohmann::json expected = {{"seq", head.first + 1 + static_cast<std::int64_t>(i)},
                               {"at", FormatUtc(at[i] ? *at[i] : sealed.at)},
                               {"event", e.event},
                               {"actor", e.actor},
                               {"detail", e.detail},
                               {"person_id", e.person_id ? nlohmann::json(*e.person_id) : nlohmann::json(nullptr)}};
    if (i + 1 == events.size()) expected["signed_from"] = head.first + 1;
    EXPECT_EQ(sealed.entries[i].body, expected.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        << "entry " << i;
  }
}

TEST_F(AuditLogTest, SealedEntriesAreSealedAgainWhenAnotherWriterAppendedFirst) {
  const AuditEvent e{"record.open", "op1", 6, {}};
  const AuditEvent* events[] = {&e};
  const SealedAuditBatch stale = log_->Seal(events, *log_->Head());
  // Another writer (a check, a CLI command) appends after the sealing.
  ASSERT_TRUE(log_->Append({"login.ok", "op2", std::nullopt, {}}));
  AuditHead after;
  auto first = log_->AppendBatch(events, &stale, &after);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, 7) << "the entry follows the actual head, not the stale one";
  EXPECT_NE(after, stale.head_after());
  EXPECT_EQ(*log_->Head(), after);
  ExpectIntact(7);
}

// Appends three entries in one write: seq 6, 7 and 8.
void AppendThree(AuditLog& log) {
  const AuditEvent e1{"record.open", "op1", 6, {}}, e2{"record.open", "op2", 7, {}}, e3{"record.open", "op3", 8, {}};
  const AuditEvent* events[] = {&e1, &e2, &e3};
  auto first = log.AppendBatch(events);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(*first, 6);
}

TEST_F(AuditLogTest, ABatchIsSignedOnceAtItsEnd) {
  AppendThree(*log_);
  auto s = store_->database().Prepare("SELECT length(signature) FROM audit_log WHERE seq >= 5 ORDER BY seq");
  ASSERT_TRUE(s);
  std::vector<std::int64_t> lengths;
  while (*s->Step()) lengths.push_back(s->ColumnInt(0));
  // Entry 5 was a write of its own; 6 and 7 are covered by 8's signature.
  EXPECT_EQ(lengths, (std::vector<std::int64_t>{64, 0, 0, 64}));
  ExpectIntact(8);
}

TEST_F(AuditLogTest, AnEntryEditedWithItsHashesRecomputedIsCaughtByTheSignatureOfItsBatch) {
  AppendThree(*log_);
  // Someone with the database but without the node key rewrites entry 7
  // and recomputes the hashes after it, so that the chain itself holds.
  auto read = store_->database().Prepare("SELECT body, prev_hash FROM audit_log WHERE seq = ?");
  ASSERT_TRUE(read);
  read->Bind(1, std::int64_t{7});
  ASSERT_TRUE(*read->Step());
  std::string body7 = ToString(read->ColumnBlob(0));
  const Bytes prev7(read->ColumnBlob(1).begin(), read->ColumnBlob(1).end());
  read->Reset();
  body7.replace(body7.find("op2"), 3, "op9");
  const crypto::Hash32 hash7 = AuditEntryHash(prev7, body7);
  read->Bind(1, std::int64_t{8});
  ASSERT_TRUE(*read->Step());
  const std::string body8 = ToString(read->ColumnBlob(0));
  read->Reset();
  const crypto::Hash32 hash8 = AuditEntryHash(hash7, body8);
  auto write = store_->database().Prepare("UPDATE audit_log SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?");
  ASSERT_TRUE(write);
  ASSERT_TRUE(write->BindBlob(1, AsBytes(body7)).BindBlob(2, prev7).BindBlob(3, hash7).Bind(4, std::int64_t{7}).Run());
  ASSERT_TRUE(write->BindBlob(1, AsBytes(body8)).BindBlob(2, hash7).BindBlob(3, hash8).Bind(4, std::int64_t{8}).Run());

  auto r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_bad_seq, 6) << r->problem;  // the batch the edit hides in
  EXPECT_NE(r->problem.find("entries 6 to 8"), std::string::npos) << r->problem;
}

TEST_F(AuditLogTest, AnUnsignedNewestEntryIsRefused) {
  // An entry added without the node key: chained and hashed correctly, but
  // with no signature (as if it were inside a batch).
  const AuditHead head = *log_->Head();
  const std::string body = R"({"actor":"intruder","at":"2025-11-24T16:00:00Z","detail":{},"event":"mode.change",)"
                           R"("person_id":null,"seq":6})";
  const crypto::Hash32 hash = AuditEntryHash(head.second, body);
  auto insert = store_->database().Prepare(
      "INSERT INTO audit_log(seq, at, event, body, prev_hash, hash, signature) VALUES (6, "
      "CAST(strftime('%s', '2025-11-24 16:00:00') AS INTEGER), 'mode.change', ?, ?, ?, x'')");
  ASSERT_TRUE(insert);
  ASSERT_TRUE(insert->BindBlob(1, AsBytes(body)).BindBlob(2, head.second).BindBlob(3, hash).Run());
  auto r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_bad_seq, 6);
  EXPECT_NE(r->problem.find("not signed"), std::string::npos) << r->problem;
  // The same for a signed newest entry whose signature was stripped.
  ASSERT_TRUE(Exec("DELETE FROM audit_log WHERE seq = 6; UPDATE audit_log SET signature = x'' WHERE seq = 5"));
  r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_bad_seq, 5);
}

// Someone with the database but not the node key rewrites entry 3 and
// every entry after it with their hashes recomputed and no signatures (as
// if they were the unsigned entries of a batch). The node's next write is
// signed and chains to the forged head, but vouches only for its own
// write: the forged entries stay refused.
TEST_F(AuditLogTest, EntriesRewrittenWithoutTheKeyStayRefusedAfterTheNodesNextWrite) {
  auto read = store_->database().Prepare("SELECT body, prev_hash FROM audit_log WHERE seq = ?");
  auto write = store_->database().Prepare(
      "UPDATE audit_log SET body = ?, prev_hash = ?, hash = ?, signature = x'' WHERE seq = ?");
  ASSERT_TRUE(read && write);
  crypto::Hash32 prev{};
  for (std::int64_t seq = 3; seq <= 5; ++seq) {
    read->Bind(1, seq);
    ASSERT_TRUE(*read->Step());
    std::string body = ToString(read->ColumnBlob(0));
    if (seq == 3) {
      const ByteSpan p = read->ColumnBlob(1);
      std::copy(p.begin(), p.end(), prev.begin());
      body.replace(body.find("op3"), 3, "op9");
    }
    read->Reset();
    const crypto::Hash32 hash = AuditEntryHash(prev, body);
    ASSERT_TRUE(write->BindBlob(1, AsBytes(body)).BindBlob(2, prev).BindBlob(3, hash).Bind(4, seq).Run());
    prev = hash;
  }
  auto before = log_->Verify();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->first_bad_seq, 3) << before->problem;

  AppendThree(*log_);  // the node's next write: entries 6 to 8, signed
  auto after = log_->Verify();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->first_bad_seq, 3) << after->problem;
  EXPECT_NE(after->problem.find("entries 3 to 5 are not signed"), std::string::npos) << after->problem;
  EXPECT_NE(after->problem.find("without the node's key"), std::string::npos) << after->problem;
}

// Logs written before signed entries named the first entry of their write:
// a signed entry without "signed_from" vouches for the unsigned entries
// before it, as it did when it was written.
TEST_F(AuditLogTest, BatchesSignedBeforeSignedFromExistedStillVerify) {
  const AuditHead head = *log_->Head();
  const std::string body6 = R"({"actor":"op6","at":"2025-11-24T16:00:00Z","detail":{},"event":"record.open",)"
                            R"("person_id":6,"seq":6})";
  const std::string body7 = R"({"actor":"op7","at":"2025-11-24T16:00:00Z","detail":{},"event":"record.open",)"
                            R"("person_id":7,"seq":7})";
  const crypto::Hash32 hash6 = AuditEntryHash(head.second, body6);
  const crypto::Hash32 hash7 = AuditEntryHash(hash6, body7);
  const crypto::Ed25519Signature sig7 = crypto::Sign(keys_->secret_key, hash7);
  auto insert = store_->database().Prepare(
      "INSERT INTO audit_log(seq, at, event, body, prev_hash, hash, signature) VALUES (?, "
      "CAST(strftime('%s', '2025-11-24 16:00:00') AS INTEGER), 'record.open', ?, ?, ?, ?)");
  ASSERT_TRUE(insert);
  ASSERT_TRUE(insert->Bind(1, std::int64_t{6})
                  .BindBlob(2, AsBytes(body6))
                  .BindBlob(3, head.second)
                  .BindBlob(4, hash6)
                  .BindBlob(5, ByteSpan())
                  .Run());
  ASSERT_TRUE(insert->Bind(1, std::int64_t{7})
                  .BindBlob(2, AsBytes(body7))
                  .BindBlob(3, hash6)
                  .BindBlob(4, hash7)
                  .BindBlob(5, sig7)
                  .Run());
  ExpectIntact(7);
}

TEST_F(AuditLogTest, ASignedEntryNamesTheFirstEntryOfItsWrite) {
  AppendThree(*log_);
  auto s = store_->database().Prepare("SELECT body FROM audit_log WHERE length(signature) > 0 ORDER BY seq");
  ASSERT_TRUE(s);
  std::vector<std::int64_t> from;
  while (*s->Step()) from.push_back(nlohmann::json::parse(ToString(s->ColumnBlob(0)))["signed_from"]);
  // Five writes of one entry each, then one batch of 6 to 8.
  EXPECT_EQ(from, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  ExpectIntact(8);
}

// The head the node noted it reported to its hub must still be in the
// log, unchanged: a log cut short (whole writes, so that the chain and the
// signatures hold) or rewritten from there is named.
TEST_F(AuditLogTest, TheHeadReportedToTheHubMustStillBeInTheLog) {
  const AuditHead head = *log_->Head();
  ASSERT_EQ(head.first, 5);
  ASSERT_TRUE(store_->SetMeta(store::meta::kAuditHeadReported, "5:" + ToHex(head.second)));
  ExpectIntact(5);
  ASSERT_TRUE(store_->SetMeta(store::meta::kAuditHeadReported, "5:" + std::string(64, '0')));
  auto other = log_->Verify();
  ASSERT_TRUE(other);
  EXPECT_EQ(other->first_bad_seq, 5);
  EXPECT_NE(other->problem.find("reported to its hub"), std::string::npos) << other->problem;
  ASSERT_TRUE(store_->SetMeta(store::meta::kAuditHeadReported, "5:" + ToHex(head.second)));
  ASSERT_TRUE(Exec("DELETE FROM audit_log WHERE seq = 5"));
  auto cut = log_->Verify();
  ASSERT_TRUE(cut);
  EXPECT_FALSE(cut->ok());
  EXPECT_NE(cut->problem.find("cut off the end"), std::string::npos) << cut->problem;
}

TEST_F(AuditLogTest, ExportCarriesEveryEntryWithItsHashes) {
  std::ostringstream out;
  ASSERT_TRUE(log_->ExportJsonLines(out));
  std::istringstream in(out.str());
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    ++n;
    EXPECT_EQ(j["seq"], n);
    EXPECT_EQ(j["hash"].get<std::string>().size(), 64u);
    // The body is the line without the three chain fields.
    const std::string prev = j["prev_hash"], hash = j["hash"];
    j.erase("prev_hash");
    j.erase("hash");
    j.erase("signature");
    EXPECT_EQ(ToHex(AuditEntryHash(*FromHex(prev), j.dump())), hash);
  }
  EXPECT_EQ(n, 5);
}

}  // namespace
}  // namespace akari::node
