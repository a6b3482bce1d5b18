// The audit journal: record openings written there before they are shown,
// moved into the audit log exactly once, whatever stops the process.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "base/errors.h"
#include "base/file.h"
#include "node/audit/group_commit.h"
#include "node/audit/journal.h"
#include "node/store/meta_keys.h"
#include "tests/node/audit_store_fixture.h"

namespace akari::node {
namespace {

namespace fs = std::filesystem;

class AuditJournalTest : public AuditStoreTest {
 protected:
  void SetUp() override {
    AuditStoreTest::SetUp();
    if (HasFatalFailure()) return;
    auto key = crypto::SecretBuffer::CopyOf(Bytes(32, 1));
    ASSERT_TRUE(key);
    database_key_.emplace(std::move(*key));
  }

  std::unique_ptr<AuditJournal> Take(AuditJournalRecovery* recovery = nullptr,
                                     std::int64_t renew_past = AuditJournal::kRotateBytes) {
    auto j = AuditJournal::Open(dir_.path(), *database_key_, *log_, recovery, renew_past);
    EXPECT_TRUE(j) << j.error().message;
    return j ? std::move(*j) : nullptr;
  }

  static AuditEvent Opening(std::int64_t person) {
    return {"record.open", "doc1", person, {{"basis", "insurance"}, {"check_id", "c" + std::to_string(person)}}};
  }

  // Every entry's body, in order.
  std::vector<nlohmann::json> Bodies() {
    std::vector<nlohmann::json> out;
    auto s = store_->database().Prepare("SELECT body FROM audit_log ORDER BY seq");
    EXPECT_TRUE(s);
    while (true) {
      auto row = s->Step();
      EXPECT_TRUE(row);
      if (!row || !*row) break;
      out.push_back(nlohmann::json::parse(ToString(s->ColumnBlob(0))));
    }
    return out;
  }
  // How many times each person's opening is in the log.
  std::map<std::int64_t, int> Openings() {
    std::map<std::int64_t, int> count;
    for (const auto& body : Bodies()) {
      if (body["event"] == "record.open") ++count[body["person_id"].get<std::int64_t>()];
    }
    return count;
  }
  void ExpectIntact() {
    auto report = log_->Verify();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->ok()) << report->problem;
  }
  fs::path JournalPath() const { return dir_.path() / AuditJournal::kFileName; }
  // Takes the journal over (as a restarted serve would), expects nothing
  // wrong with it and an intact log; returns how many entries it moved.
  std::int64_t RetakeCleanly() {
    AuditJournalRecovery recovery;
    EXPECT_TRUE(Take(&recovery));
    EXPECT_EQ(recovery.problem, "");
    ExpectIntact();
    return recovery.merged;
  }
  // Damaged journals kept aside.
  int KeptFiles() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir_.path())) {
      n += e.path().filename().string().starts_with("audit-journal.damaged-") ? 1 : 0;
    }
    return n;
  }
  int DamageEntries() {
    int n = 0;
    for (const auto& body : Bodies()) n += body["event"] == "audit.journal_damaged" ? 1 : 0;
    return n;
  }
  // Makes every INSERT into the log fail, as a full disk would; undone by
  // StoreWorks().
  void StoreRefusesWrites() {
    ASSERT_TRUE(store_->database().Exec(
        "CREATE TEMP TRIGGER refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END;"));
  }
  // Journals openings of persons 1..n and waits until the writer has
  // failed to move them.
  void AppendOpeningsUntilTheyFail(AuditGroupCommit& commit, int n, const std::atomic<int>& failures) {
    for (int i = 1; i <= n; ++i) {
      AuditEvent e = Opening(i);
      ASSERT_TRUE(commit.AppendJournaled(e, clock_));
    }
    while (failures.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void StoreWorks() {
    std::lock_guard w(write_mu_);
    std::lock_guard l(log_mu_);
    ASSERT_TRUE(store_->database().Exec("DROP TRIGGER refuse"));
  }

  std::optional<crypto::SecretBuffer> database_key_;
  // The connection's and the writes' mutexes, for an AuditGroupCommit.
  std::mutex log_mu_;
  std::mutex write_mu_;
};

TEST_F(AuditJournalTest, EntriesLeftInTheJournalAreMovedIntoTheLogOnceWithTheTimeTheyHappened) {
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    for (int i = 1; i <= 3; ++i) {
      auto ticket = journal->Append(Opening(i), clock_.Now());
      ASSERT_TRUE(ticket) << ticket.error().message;
      EXPECT_EQ(ticket->count, i);
      clock_.Advance(std::chrono::minutes(1));
    }
    // Gone without merging: what a process killed at this point leaves.
  }
  EXPECT_TRUE(Bodies().empty());
  clock_.Advance(std::chrono::hours(5));

  AuditJournalRecovery recovery;
  auto journal = Take(&recovery);
  ASSERT_TRUE(journal);
  EXPECT_EQ(recovery.merged, 3);
  EXPECT_EQ(recovery.problem, "");
  const auto bodies = Bodies();
  ASSERT_EQ(bodies.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(bodies[static_cast<std::size_t>(i)]["person_id"], i + 1);
    // When the record was opened, not when the entry was moved.
    EXPECT_EQ(bodies[static_cast<std::size_t>(i)]["at"], FormatUtc(FromUnixSeconds(1764000000 + 60 * i)));
  }
  EXPECT_EQ(bodies[0]["detail"]["check_id"], "c1");
  ExpectIntact();

  // Taken again: nothing is moved twice.
  journal.reset();
  AuditJournalRecovery again;
  ASSERT_TRUE(Take(&again));
  EXPECT_EQ(again.merged, 0);
  EXPECT_EQ(Bodies().size(), 3u);
}

TEST_F(AuditJournalTest, OneHolderAtATimeAndCommandsLeaveAHeldJournalToItsHolder) {
  auto journal = Take();
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->Append(Opening(1), clock_.Now()));
  auto second = AuditJournal::Open(dir_.path(), *database_key_, *log_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, BaseErrc::kBusy);
  auto leftover = AuditJournal::MergeLeftover(dir_.path(), *database_key_, *log_);
  ASSERT_TRUE(leftover) << leftover.error().message;
  EXPECT_FALSE(leftover->has_value());
  EXPECT_TRUE(Bodies().empty());

  journal.reset();
  leftover = AuditJournal::MergeLeftover(dir_.path(), *database_key_, *log_);
  ASSERT_TRUE(leftover) << leftover.error().message;
  ASSERT_TRUE(leftover->has_value());
  EXPECT_EQ((*leftover)->merged, 1);
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}}));
  // The journal stays for its next holder, which moves nothing again.
  AuditJournalRecovery recovery;
  ASSERT_TRUE(Take(&recovery));
  EXPECT_EQ(recovery.merged, 0);
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}}));
}

TEST_F(AuditJournalTest, ARecordCutShortIsReportedAndEverythingBeforeItIsKept) {
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(journal->Append(Opening(i), clock_.Now()));
  }
  fs::resize_file(JournalPath(), fs::file_size(JournalPath()) - 5);
  AuditJournalRecovery recovery;
  ASSERT_TRUE(Take(&recovery));
  EXPECT_EQ(recovery.merged, 2);
  EXPECT_NE(recovery.problem.find("entry 3 was cut short"), std::string::npos) << recovery.problem;
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}, {2, 1}}));
  // The log says so, and the file is kept for whoever looks into it.
  const auto bodies = Bodies();
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[2]["event"], "audit.journal_damaged");
  EXPECT_EQ(bodies[2]["detail"]["recovered"], 2);
  EXPECT_EQ(KeptFiles(), 1);
  ExpectIntact();
}

TEST_F(AuditJournalTest, AChangedRecordDoesNotAuthenticateAndNothingFromItOnIsTaken) {
  std::int64_t second_record_at = 0;
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->Append(Opening(1), clock_.Now()));
    second_record_at = journal->bytes();
    ASSERT_TRUE(journal->Append(Opening(2), clock_.Now()));
    ASSERT_TRUE(journal->Append(Opening(3), clock_.Now()));
  }
  auto bytes = ReadFileBytes(JournalPath());
  ASSERT_TRUE(bytes);
  (*bytes)[static_cast<std::size_t>(second_record_at) + 20] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(JournalPath(), *bytes));
  AuditJournalRecovery recovery;
  ASSERT_TRUE(Take(&recovery));
  EXPECT_EQ(recovery.merged, 1);
  EXPECT_NE(recovery.problem.find("entry 2 does not authenticate"), std::string::npos) << recovery.problem;
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}}));
  ExpectIntact();
}

TEST_F(AuditJournalTest, AJournalUnderAnotherKeyIsNotRead) {
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->Append(Opening(1), clock_.Now()));
  }
  auto other = crypto::SecretBuffer::CopyOf(Bytes(32, 2));
  ASSERT_TRUE(other);
  AuditJournalRecovery recovery;
  auto journal = AuditJournal::Open(dir_.path(), *other, *log_, &recovery);
  ASSERT_TRUE(journal) << journal.error().message;
  EXPECT_EQ(recovery.merged, 0);
  EXPECT_NE(recovery.problem.find("does not authenticate"), std::string::npos) << recovery.problem;
  EXPECT_TRUE(Openings().empty());
}

TEST_F(AuditJournalTest, AnOldJournalPutBackIsNotMergedAgain) {
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->Append(Opening(1), clock_.Now()));
  }
  const fs::path old_copy = dir_.path() / "old-journal";
  fs::copy_file(JournalPath(), old_copy);
  {
    auto journal = Take();  // moves 1, starts generation 2
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->Append(Opening(2), clock_.Now()));
  }
  ASSERT_TRUE(Take());  // moves 2: the store is at generation 2
  fs::copy_file(old_copy, JournalPath(), fs::copy_options::overwrite_existing);
  AuditJournalRecovery recovery;
  ASSERT_TRUE(Take(&recovery));
  EXPECT_EQ(recovery.merged, 0);
  EXPECT_NE(recovery.problem.find("older than the one already merged"), std::string::npos) << recovery.problem;
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}, {2, 1}}));
  ExpectIntact();
}

TEST_F(AuditJournalTest, ARenewedJournalCarriesWhatWasNotMergedAndNothingElse) {
  std::vector<AuditEvent> events = {Opening(1), Opening(2), Opening(3)};
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    std::optional<AuditJournalTicket> first;
    for (const AuditEvent& e : events) {
      auto ticket = journal->Append(e, clock_.Now());
      ASSERT_TRUE(ticket);
      if (!first) first = *ticket;
    }
    // The first is moved into the log, as the audit writer would.
    {
      auto tx = store::Transaction::Begin(store_->database());
      ASSERT_TRUE(tx);
      ASSERT_TRUE(log_->Append(events[0]));
      ASSERT_TRUE(AuditJournal::RecordMerged(*store_, *first));
      ASSERT_TRUE(tx->Commit());
    }
    journal->Merged(*first);
    const std::int64_t generation = journal->generation();
    const std::vector<const AuditEvent*> carry = {&events[1], &events[2]};
    const std::vector<TimePoint> at = {clock_.Now(), clock_.Now()};
    ASSERT_TRUE(journal->Renew(carry, at));
    EXPECT_EQ(journal->generation(), generation + 1);
    EXPECT_EQ(journal->appended(), 2);
    EXPECT_FALSE(fs::exists(dir_.path() / "audit-journal.new"));
  }
  EXPECT_EQ(RetakeCleanly(), 2);
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}, {2, 1}, {3, 1}}));
}

TEST_F(AuditJournalTest, TheWriterMovesJournaledEntriesInQueueOrderAndRecordsHowFar) {
  auto journal = Take(nullptr, /*renew_past=*/2048);
  ASSERT_TRUE(journal);
  {
    AuditGroupCommit commit(*log_, log_mu_, write_mu_, journal.get());
    constexpr int kThreads = 4;
    constexpr int kEach = 60;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          AuditEvent e = Opening(t * 1000 + i);
          ASSERT_TRUE(commit.AppendJournaled(e, clock_));
          if (i % 20 == 0) {
            ASSERT_TRUE(commit.Append({"login.ok", "doc1", std::nullopt, {}}));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    // Stopping writes what is queued.
  }
  std::map<std::int64_t, int> expected;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 60; ++i) expected[t * 1000 + i] = 1;
  }
  EXPECT_EQ(Openings(), expected);
  // Each thread's openings are in the log in the order it made them.
  std::map<int, std::int64_t> last_of_thread;
  for (const auto& body : Bodies()) {
    if (body["event"] != "record.open") continue;
    const std::int64_t person = body["person_id"];
    const int thread = static_cast<int>(person / 1000);
    if (last_of_thread.contains(thread)) {
      EXPECT_GT(person, last_of_thread[thread]);
    }
    last_of_thread[thread] = person;
  }
  // The journal was renewed on the way (2 KiB), and the store says how far
  // its current generation is merged.
  EXPECT_GT(journal->generation(), 2);
  auto progress = store_->GetMeta(store::meta::kAuditJournal);
  ASSERT_TRUE(progress && *progress);
  if (journal->appended() == 0) {
    // Renewed after the last batch: everything of the one before was merged.
    EXPECT_TRUE((*progress)->starts_with(std::to_string(journal->generation() - 1) + ":")) << **progress;
  } else {
    EXPECT_EQ(**progress, std::to_string(journal->generation()) + ":" + std::to_string(journal->appended()));
  }
  ExpectIntact();
  journal.reset();
  AuditJournalRecovery recovery;
  ASSERT_TRUE(Take(&recovery));
  EXPECT_EQ(recovery.merged, 0);
  EXPECT_EQ(Openings(), expected);
}

// A process killed while serving: openings merged before the kill and
// openings only in the journal are each in the log once afterwards.
TEST_F(AuditJournalTest, AKilledWriterLosesNoOpeningAndMovesNoneTwice) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // NOLINT: the child never returns
    auto store = store::Store::Open(dir_.path() / "node.db", Bytes(32, 1), {});
    if (!store) ::_exit(2);
    AuditLog log(*store, keys_->secret_key, keys_->public_key, clock_);
    auto journal = AuditJournal::Open(dir_.path(), *database_key_, log, nullptr, /*renew_past=*/4096);
    if (!journal) ::_exit(3);
    std::mutex log_mu;
    std::mutex write_mu;
    auto* commit = new AuditGroupCommit(log, log_mu, write_mu, journal->get());
    for (int i = 1; i <= 100; ++i) {
      AuditEvent e = Opening(i);
      if (!commit->AppendJournaled(e, clock_)) {
        ::_exit(4);
      }
    }
    // Until some are in the log: the kill then falls between a merge and
    // the next.
    while (commit->counts().journaled < 40) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (int i = 101; i <= 150; ++i) {
      AuditEvent e = Opening(i);
      if (!commit->AppendJournaled(e, clock_)) {
        ::_exit(4);
      }
    }
    ::_exit(0);  // no destructor runs: the queue is not written
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const auto before = Openings();
  EXPECT_GE(before.size(), 40u);
  EXPECT_LT(before.size(), 150u);

  AuditJournalRecovery recovery;
  ASSERT_TRUE(Take(&recovery));
  EXPECT_EQ(recovery.problem, "");
  EXPECT_EQ(static_cast<std::size_t>(recovery.merged) + before.size(), 150u);
  std::map<std::int64_t, int> expected;
  for (int i = 1; i <= 150; ++i) expected[i] = 1;
  EXPECT_EQ(Openings(), expected);
  ExpectIntact();
}

// Found in review: a crash between moving a damaged journal's entries into
// the log and moving the file aside must not report the damage twice.
TEST_F(AuditJournalTest, ADamagedJournalFoundAgainIsReportedOnce) {
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(journal->Append(Opening(i), clock_.Now()));
  }
  fs::resize_file(JournalPath(), fs::file_size(JournalPath()) - 5);
  const fs::path copy = dir_.path() / "copy";
  fs::copy_file(JournalPath(), copy);
  auto first = AuditJournal::MergeLeftover(dir_.path(), *database_key_, *log_);
  ASSERT_TRUE(first && *first) << (first ? "held" : first.error().message);
  EXPECT_EQ((*first)->merged, 2);
  // As if the process had stopped before the file was moved aside.
  fs::copy_file(copy, JournalPath());
  auto again = AuditJournal::MergeLeftover(dir_.path(), *database_key_, *log_);
  ASSERT_TRUE(again && *again) << (again ? "held" : again.error().message);
  EXPECT_EQ((*again)->merged, 0);
  EXPECT_EQ(DamageEntries(), 1);
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}, {2, 1}}));
  EXPECT_EQ(KeptFiles(), 2);
  ExpectIntact();
}

// Found in review: with a full batch of journaled entries failing again
// and again, an entry someone waits for was never written, and the writer
// retried without pause.
TEST_F(AuditJournalTest, WhileTheStoreRefusesJournaledEntriesOthersAreStillAnsweredAndRetriesPause) {
  auto journal = Take();
  ASSERT_TRUE(journal);
  std::atomic<int> failures{0};
  StoreRefusesWrites();
  {
    AuditGroupCommit commit(*log_, log_mu_, write_mu_, journal.get(), [&](const Error&) { ++failures; });
    AppendOpeningsUntilTheyFail(commit, 300, failures);
    const int before = failures.load();
    auto waited = commit.Append({"login.ok", "doc1", std::nullopt, {}});
    EXPECT_FALSE(waited);  // answered (with the store's error), not held behind them
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_LE(failures.load() - before, 3) << "retried without pausing";
    StoreWorks();
    ASSERT_TRUE(commit.Flush());
  }
  std::map<std::int64_t, int> expected;
  for (int i = 1; i <= 300; ++i) expected[i] = 1;
  EXPECT_EQ(Openings(), expected);
  ExpectIntact();
}

// Found in review: journaled entries given up at a stop, followed by a
// successful write and a renewal, were lost from the journal too.
TEST_F(AuditJournalTest, EntriesGivenUpAtAStopStayInTheJournal) {
  auto journal = Take(nullptr, /*renew_past=*/64);
  ASSERT_TRUE(journal);
  store_->database().SetBusyTimeout(std::chrono::milliseconds(20));
  auto other = store::Store::Open(dir_.path() / "node.db", Bytes(32, 1), {});
  ASSERT_TRUE(other);
  std::optional<store::Transaction> blocker;  // another process's long write
  {
    auto tx = store::Transaction::Begin(other->database());
    ASSERT_TRUE(tx);
    blocker.emplace(std::move(*tx));
  }
  std::atomic<int> failures{0};
  auto commit = std::make_unique<AuditGroupCommit>(
      *log_, log_mu_, write_mu_, journal.get(), [&](const Error&) { ++failures; }, std::chrono::milliseconds(300));
  for (int i = 1; i <= 3; ++i) {
    AuditEvent e = Opening(i);
    ASSERT_TRUE(commit->AppendJournaled(e, clock_));
  }
  while (!(commit->writing() && commit->waiting() == 0)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::atomic<bool> waited_ok{false};
  commit->AppendAsync({"login.ok", "doc1", std::nullopt, {}},
                      [&](Result<std::int64_t> r) { waited_ok = r.has_value(); });
  std::thread stopper([&] { commit.reset(); });
  while (failures.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  blocker.reset();  // the store takes writes again
  stopper.join();
  EXPECT_TRUE(waited_ok.load());
  journal.reset();
  RetakeCleanly();
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{1, 1}, {2, 1}, {3, 1}}));
}

// Found in review: after an outage, a backlog larger than the size limit
// was copied into a new journal after every batch.
TEST_F(AuditJournalTest, ABacklogIsNotCopiedIntoANewJournalAfterEveryBatch) {
  auto journal = Take(nullptr, /*renew_past=*/4096);
  ASSERT_TRUE(journal);
  std::atomic<int> failures{0};
  StoreRefusesWrites();
  {
    AuditGroupCommit commit(*log_, log_mu_, write_mu_, journal.get(), [&](const Error&) { ++failures; });
    AppendOpeningsUntilTheyFail(commit, 1000, failures);
    const auto generation = journal->generation();
    StoreWorks();
    ASSERT_TRUE(commit.Flush());
    EXPECT_GE(commit.counts().transactions, 4);
    // Renewed once the backlog is small (carrying it), and once more when
    // that is merged: not after every batch.
    EXPECT_LE(journal->generation() - generation, 2);
  }
  EXPECT_EQ(Openings().size(), 1000u);
}

// Found in review: a header altered on its own (its generation is not
// authenticated until a record is) set the store's record of the journal,
// and a huge one overflowed the next generation.
TEST_F(AuditJournalTest, AGenerationNoRecordVouchesForIsNotTrusted) {
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->Append(Opening(1), clock_.Now()));
  }
  auto bytes = ReadFileBytes(JournalPath());
  ASSERT_TRUE(bytes);
  for (std::size_t i = 8; i < 16; ++i) (*bytes)[i] = 0xff;
  ASSERT_TRUE(WriteFileAtomically(JournalPath(), *bytes));
  AuditJournalRecovery recovery;
  auto journal = Take(&recovery);
  ASSERT_TRUE(journal);
  EXPECT_NE(recovery.problem.find("header is damaged"), std::string::npos) << recovery.problem;
  EXPECT_GT(journal->generation(), 0);
  EXPECT_LT(journal->generation(), 10);
  // A generation that every record authenticates is trusted as before.
  ASSERT_TRUE(journal->Append(Opening(2), clock_.Now()));
  const auto generation = journal->generation();
  journal.reset();
  AuditJournalRecovery again;
  journal = Take(&again);
  ASSERT_TRUE(journal);
  EXPECT_EQ(again.merged, 1);
  EXPECT_EQ(journal->generation(), generation + 1);
  EXPECT_EQ(Openings(), (std::map<std::int64_t, int>{{2, 1}}));
  EXPECT_EQ(DamageEntries(), 1);
}

// Found in review: a large leftover went into the log as one write with
// one signature; the writer's own writes hold at most 256 entries each.
TEST_F(AuditJournalTest, ALargeLeftoverIsMergedInSignedWritesOfAtMost256) {
  {
    auto journal = Take();
    ASSERT_TRUE(journal);
    for (int i = 1; i <= 600; ++i) ASSERT_TRUE(journal->Append(Opening(i), clock_.Now()));
  }
  AuditJournalRecovery recovery;
  ASSERT_TRUE(Take(&recovery));
  EXPECT_EQ(recovery.merged, 600);
  auto signed_entries = store_->database().QueryInt("SELECT count(*) FROM audit_log WHERE length(signature) > 0");
  ASSERT_TRUE(signed_entries);
  EXPECT_EQ(*signed_entries, 3);
  EXPECT_EQ(Openings().size(), 600u);
  ExpectIntact();
}

}  // namespace
}  // namespace akari::node
