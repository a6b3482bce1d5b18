// `akari backup` / `akari restore` as a library (node/backup.h) and as the
// command line: the restored node is the same node with the same checks
// and an intact audit log; a damaged backup, a wrong passphrase or an
// occupied directory restore nothing and leave nothing behind.
#include "node/backup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/file.h"
#include "crypto/errors.h"
#include "crypto/hash.h"
#include "node/audit/audit_log.h"
#include "node/audit/journal.h"
#include "node/checks/check_queue.h"
#include "node/service/tls_identity.h"
#include "node/store/meta_keys.h"
#include "tests/node/check_input.h"
#include "tests/testing/process.h"
#include "tests/testing/secrets.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = CreateNode(root_ / "node", testing::Secret("operator-pass"), "operator", testing::kFastArgon2id);
    ASSERT_TRUE(n) << n.error().message;
    node_.emplace(std::move(*n));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(RecordCheck(*node_));
  }

  Result<CheckRecord> RecordCheck(OpenNode& node) {
    CheckQueue queue(node.store, node.keystore.node_id(), node.keystore.signing_secret_key(), clock_);
    return queue.Record(testing::NumbersCheckInput());
  }
  static std::vector<std::string> CheckBodies(OpenNode& node, const Clock& clock) {
    CheckQueue queue(node.store, node.keystore.node_id(), node.keystore.signing_secret_key(), clock);
    std::vector<std::string> out;
    auto checks = queue.List(0, 1000);
    EXPECT_TRUE(checks);
    for (const CheckRecord& c : checks.value_or(std::vector<CheckRecord>{})) out.push_back(c.id + " " + c.body);
    return out;
  }
  // The audit log as exported, one JSON object per entry.
  std::vector<nlohmann::json> Entries(OpenNode& node) {
    AuditLog log(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock_);
    std::ostringstream out;
    EXPECT_TRUE(log.ExportJsonLines(out));
    std::vector<nlohmann::json> entries;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) entries.push_back(nlohmann::json::parse(line));
    return entries;
  }
  std::vector<std::string> Events(OpenNode& node) {
    std::vector<std::string> events;
    for (const nlohmann::json& entry : Entries(node)) events.push_back(entry["event"]);
    return events;
  }

  testing::TempDir root_;
  ManualClock clock_{FromUnixSeconds(1764000000)};
  std::optional<OpenNode> node_;
};

TEST_F(BackupTest, ARestoredNodeIsTheSameNodeWithItsChecksAndAnIntactAuditLog) {
  auto backup = BackupNode(*node_, root_ / "usb" / "akari", clock_);
  ASSERT_TRUE(backup) << backup.error().message;
  EXPECT_EQ(backup->counts.checks, 5);
  EXPECT_EQ(backup->counts.checks_pending, 5);
  EXPECT_EQ(backup->node_id, node_->keystore.node_id());
  // Nothing in the backup is readable without a passphrase: the store is
  // the encrypted copy (no SQLite header in clear), the keystore as it was.
  auto db = ReadFileBytes(root_ / "usb" / "akari" / kDatabaseFile);
  ASSERT_TRUE(db);
  EXPECT_NE(ToString(ByteSpan(*db).first(15)), "SQLite format 3");
  EXPECT_FALSE(std::filesystem::exists(root_ / "usb" / "akari" / "node.db-wal"));
  // The node goes on after its backup; what comes later is not in it.
  auto after_backup = RecordCheck(*node_);
  ASSERT_TRUE(after_backup);

  auto restored = RestoreNode(root_ / "usb" / "akari", root_ / "new", testing::Secret("operator-pass"), clock_);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->counts.checks, 5);
  auto node = OpenNodeDir(root_ / "new", testing::Secret("operator-pass"));
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_EQ(node->keystore.node_id(), node_->keystore.node_id());
  std::vector<std::string> original = CheckBodies(*node_, clock_);
  original.pop_back();
  EXPECT_EQ(CheckBodies(*node, clock_), original);
  AuditLog log(node->store, node->keystore.signing_secret_key(), node->keystore.signing_public_key(), clock_);
  auto verified = log.Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem;
  const std::vector<std::string> events = Events(*node);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2], "node.backup");
  EXPECT_EQ(events.back(), "node.restore");
  // The restored node numbers its checks above any the original may have
  // made after the backup (check 6 here, perhaps uploaded already: the hub
  // would refuse another check under its id), and says so in the log.
  const std::int64_t first = 5 + kRestoreSkippedCheckNumbers + 1;
  EXPECT_EQ(restored->next_check_seq, first);
  EXPECT_EQ(Entries(*node).back()["detail"]["next_check_seq"], first);
  auto next = RecordCheck(*node);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->seq, first);
  EXPECT_NE(next->id, after_backup->id);
  EXPECT_EQ(next->id, node->keystore.node_id() + "-" + std::to_string(first));
  auto following = RecordCheck(*node);
  ASSERT_TRUE(following);
  EXPECT_EQ(following->seq, first + 1);
  // And keeps doing so after reopening; a second restore skips again.
  auto reopened = OpenNodeDir(root_ / "new", testing::Secret("operator-pass"));
  ASSERT_TRUE(reopened);
  auto again = RecordCheck(*reopened);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->seq, first + 2);
  auto second_backup = BackupNode(*reopened, root_ / "usb2" / "akari", clock_);
  ASSERT_TRUE(second_backup) << second_backup.error().message;
  auto second = RestoreNode(root_ / "usb2" / "akari", root_ / "newer", testing::Secret("operator-pass"), clock_);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->next_check_seq, first + 2 + kRestoreSkippedCheckNumbers + 1);
}

// Record openings that a stopped akari serve left in the audit journal are
// in the backup; when they cannot be moved into the log first, the backup
// still succeeds and says why they are not in it.
TEST_F(BackupTest, OpeningsLeftInTheAuditJournalAreInTheBackupOrItSaysWhyNot) {
  auto leave_opening = [&](std::int64_t person) {
    AuditLog log(node_->store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(), clock_);
    auto journal = AuditJournal::Open(node_->dir, node_->keystore.database_key(), log);
    ASSERT_TRUE(journal) << journal.error().message;
    ASSERT_TRUE((*journal)->Append({"record.open", "doc1", person, nlohmann::json::object()}, clock_.Now()));
  };
  auto openings_in = [&](const std::filesystem::path& out) {
    auto copy = OpenNodeDir(out, testing::Secret("operator-pass"));
    EXPECT_TRUE(copy) << copy.error().message;
    int n = 0;
    if (copy) {
      for (const nlohmann::json& e : Entries(*copy)) n += e["event"] == "record.open" ? 1 : 0;
    }
    return n;
  };

  leave_opening(7);
  auto backup = BackupNode(*node_, root_ / "one", clock_);
  ASSERT_TRUE(backup) << backup.error().message;
  EXPECT_FALSE(backup->audit_journal_warning);
  EXPECT_EQ(openings_in(root_ / "one"), 1);

  leave_opening(8);
  ASSERT_TRUE(node_->store.SetMeta(store::meta::kAuditJournal, "not a count"));
  backup = BackupNode(*node_, root_ / "two", clock_);
  ASSERT_TRUE(backup) << backup.error().message;
  ASSERT_TRUE(backup->audit_journal_warning);
  EXPECT_NE(backup->audit_journal_warning->find("record of the audit journal"), std::string::npos)
      << *backup->audit_journal_warning;
  EXPECT_EQ(openings_in(root_ / "two"), 1);
}

TEST_F(BackupTest, ABackupIsTakenWhileTheNodeWritesAndHoldsOneMoment) {
  // akari serve goes on recording checks through its own connection.
  std::atomic<bool> stop{false};
  std::atomic<int> recorded{0};
  std::thread recorder([&] {
    auto n = OpenNodeDir(node_->dir, testing::Secret("operator-pass"));
    ASSERT_TRUE(n);
    while (!stop) {
      auto r = RecordCheck(*n);
      ASSERT_TRUE(r) << r.error().message;
      ++recorded;
      // A pause between checks, as at a counter: SQLite's write lock is not
      // a queue, and a writer that takes it again the moment it commits
      // starved the backup's own write (its audit entry) past the busy
      // timeout on a loaded machine.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  while (recorded < 20) std::this_thread::yield();
  auto backup = BackupNode(*node_, root_ / "busy", clock_);
  const int during = recorded;
  while (recorded < during + 20) std::this_thread::yield();
  stop = true;
  recorder.join();
  ASSERT_TRUE(backup) << backup.error().message;
  auto restored = RestoreNode(root_ / "busy", root_ / "busy-node", testing::Secret("operator-pass"), clock_);
  ASSERT_TRUE(restored) << restored.error().message;
  // Whatever moment it caught, the copy is whole: consecutive checks from
  // the first, and a chain that verifies.
  auto node = OpenNodeDir(root_ / "busy-node", testing::Secret("operator-pass"));
  ASSERT_TRUE(node);
  CheckQueue queue(node->store, node->keystore.node_id(), node->keystore.signing_secret_key(), clock_);
  auto checks = queue.List(0, 100000);
  ASSERT_TRUE(checks);
  EXPECT_GE(checks->size(), 5u);
  for (std::size_t i = 0; i < checks->size(); ++i) EXPECT_EQ((*checks)[i].seq, static_cast<std::int64_t>(i + 1));
  AuditLog log(node->store, node->keystore.signing_secret_key(), node->keystore.signing_public_key(), clock_);
  EXPECT_TRUE(log.Verify()->ok());
}

TEST_F(BackupTest, ADamagedBackupIsRefusedAndNothingIsLeftBehind) {
  ASSERT_TRUE(BackupNode(*node_, root_ / "b", clock_));
  {
    // Flipped, not overwritten: a fixed byte would already be there once in
    // 256 backups, and the backup would not be damaged at all.
    std::fstream f(root_ / "b" / kDatabaseFile, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(8192);
    const int byte = f.get();
    ASSERT_NE(byte, std::char_traits<char>::eof());
    f.seekp(8192);
    f.put(static_cast<char>(byte ^ 0xff));
  }
  auto r = RestoreNode(root_ / "b", root_ / "new", testing::Secret("operator-pass"), clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BaseErrc::kInvalidInput) << r.error().message;
  EXPECT_NE(r.error().message.find("the backup is damaged"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(root_ / "new"));
}

TEST_F(BackupTest, AManifestOfTheWrongShapeIsRefusedNotThrown) {
  ASSERT_TRUE(BackupNode(*node_, root_ / "b", clock_));
  const auto manifest = root_ / "b" / kBackupManifestFile;
  auto original = nlohmann::json::parse(ToString(*ReadFileBytes(manifest)));
  for (const auto& [pointer, value] :
       std::vector<std::pair<std::string, nlohmann::json>>{{"/format", 1},
                                                           {"/node_id", nullptr},
                                                           {"/files", "node.db"},
                                                           {"/files/node.db/bytes", "79360000"},
                                                           {"/files/keystore.json/blake2b", 42}}) {
    nlohmann::json edited = original;
    edited[nlohmann::json::json_pointer(pointer)] = value;
    ASSERT_TRUE(WriteFileAtomically(manifest, AsBytes(edited.dump())));
    auto r = RestoreNode(root_ / "b", root_ / "new", testing::Secret("operator-pass"), clock_);
    ASSERT_FALSE(r) << pointer;
    EXPECT_EQ(r.error().code, BaseErrc::kInvalidInput) << pointer;
    EXPECT_NE(r.error().message.find("manifest"), std::string::npos) << r.error().message;
    EXPECT_FALSE(std::filesystem::exists(root_ / "new")) << pointer;
  }
}

// backup.json is not signed: an older store of the same node put beside a
// manifest rewritten to match it (hashes and sizes) would restore as the
// newer backup. The copy's own signed audit log says when it was backed up.
TEST_F(BackupTest, AnOlderStoreUnderANewerBackupsManifestIsRefused) {
  ASSERT_TRUE(BackupNode(*node_, root_ / "old", clock_));
  clock_.Advance(std::chrono::hours(24 * 3));
  ASSERT_TRUE(RecordCheck(*node_));
  ASSERT_TRUE(BackupNode(*node_, root_ / "new", clock_));
  std::filesystem::copy_file(root_ / "old" / kDatabaseFile, root_ / "new" / kDatabaseFile,
                             std::filesystem::copy_options::overwrite_existing);
  const auto manifest = root_ / "new" / kBackupManifestFile;
  auto edited = nlohmann::json::parse(ToString(*ReadFileBytes(manifest)));
  auto digest = crypto::HashFile(root_ / "new" / kDatabaseFile);
  ASSERT_TRUE(digest);
  edited["files"][kDatabaseFile] = {{"bytes", digest->bytes}, {"blake2b", ToHex(digest->hash)}};
  ASSERT_TRUE(WriteFileAtomically(manifest, AsBytes(edited.dump())));
  auto r = RestoreNode(root_ / "new", root_ / "into", testing::Secret("operator-pass"), clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BaseErrc::kInvalidInput);
  EXPECT_NE(r.error().message.find("does not belong to this store"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(root_ / "into"));
  // The old backup itself, with its own manifest, restores as what it is.
  auto old = RestoreNode(root_ / "old", root_ / "into", testing::Secret("operator-pass"), clock_);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->created_at, clock_.Now() - std::chrono::hours(24 * 3));
}

TEST_F(BackupTest, AWrongPassphraseRestoresNothing) {
  ASSERT_TRUE(BackupNode(*node_, root_ / "b", clock_));
  std::filesystem::create_directories(root_ / "empty");  // given, so it stays
  std::vector<std::string> reached;
  auto r = RestoreNode(root_ / "b", root_ / "empty", testing::Secret("not-the-passphrase"), clock_,
                       [&](std::string_view point) { reached.emplace_back(point); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, crypto::CryptoErrc::kWrongPassphrase);
  // Refused before the store was copied: a typo must not cost a copy of a
  // gigabyte from a slow stick.
  EXPECT_TRUE(reached.empty());
  EXPECT_TRUE(std::filesystem::exists(root_ / "empty"));
  EXPECT_TRUE(std::filesystem::is_empty(root_ / "empty"));
  // A backup without its keystore says so, and restores nothing.
  std::filesystem::remove(root_ / "b" / kKeystoreFile);
  auto incomplete = RestoreNode(root_ / "b", root_ / "new", testing::Secret("operator-pass"), clock_);
  ASSERT_FALSE(incomplete);
  EXPECT_NE(incomplete.error().message.find("incomplete"), std::string::npos) << incomplete.error().message;
  EXPECT_FALSE(std::filesystem::exists(root_ / "new"));
}

// A backup that fails after its node.backup entry (the stick full or
// pulled out) says so in the log: an auditor must not read it as a copy of
// patient data written to removable media.
TEST_F(BackupTest, AFailedBackupIsRecordedAsFailed) {
  // A file where the backup's directory would go, under a missing parent:
  // creating the directory fails after the entry.
  ASSERT_TRUE(WriteFileAtomically(root_ / "blocker", AsBytes("x")));
  auto out = BackupNode(*node_, root_ / "blocker" / "akari", clock_);
  ASSERT_FALSE(out);
  const std::vector<std::string> events = Events(*node_);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2], "node.backup");
  EXPECT_EQ(events.back(), "node.backup_failed");
  AuditLog log(node_->store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(), clock_);
  auto verified = log.Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem;
}

TEST_F(BackupTest, OccupiedDirectoriesAreRefusedAndAnUnfinishedBackupIsNotABackup) {
  std::filesystem::create_directories(root_ / "full");
  ASSERT_TRUE(WriteFileAtomically(root_ / "full" / "photo.jpg", AsBytes("x")));
  // Each refusal says what is in the way.
  auto refused = [&](const std::filesystem::path& out, const std::string& why) {
    auto r = BackupNode(*node_, out, clock_);
    ASSERT_FALSE(r) << out;
    EXPECT_EQ(r.error().code, BaseErrc::kExists);
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  };
  refused(root_ / "full", "holds other files");
  refused(root_ / "full",
          "such as " + (root_ / "full" / "akari-backup-").string() + FormatUtc(clock_.Now()).substr(0, 10));
  refused(root_ / "full" / "photo.jpg", "is a file, not a directory");
  refused(root_ / "node", "is the node's own directory");
  ASSERT_TRUE(BackupNode(*node_, root_ / "b", clock_));
  refused(root_ / "b", "already holds a backup, and backups are never overwritten");
  auto into = RestoreNode(root_ / "b", root_ / "full", testing::Secret("operator-pass"), clock_);
  ASSERT_FALSE(into);
  EXPECT_EQ(into.error().code, BaseErrc::kExists);
  EXPECT_NE(into.error().message.find("holds other files"), std::string::npos) << into.error().message;
  EXPECT_TRUE(std::filesystem::exists(root_ / "full" / "photo.jpg"));
  auto over_node = RestoreNode(root_ / "b", root_ / "node", testing::Secret("operator-pass"), clock_);
  ASSERT_FALSE(over_node);
  EXPECT_NE(over_node.error().message.find("already holds a node, and a restore never replaces one"), std::string::npos)
      << over_node.error().message;
  // Another node's directory has the same file names as a stopped backup,
  // but is never called one (nobody is told to delete a node).
  auto other = CreateNode(root_ / "other", testing::Secret("operator-pass"), "operator", testing::kFastArgon2id);
  ASSERT_TRUE(other);
  refused(root_ / "other", "holds an Akari node");
  EXPECT_EQ(BackupNode(*node_, root_ / "other", clock_).error().message.find("delete"), std::string::npos);
  // A backup stopped before its manifest (the stick pulled out): what it
  // wrote, with its marker.
  std::filesystem::remove(root_ / "b" / kBackupManifestFile);
  ASSERT_TRUE(WriteFileAtomically(root_ / "b" / kBackupUnfinishedFile, AsBytes("x")));
  refused(root_ / "b", "holds a backup that did not finish");
  ASSERT_TRUE(BackupNode(*node_, root_ / "b2", clock_));
  EXPECT_FALSE(std::filesystem::exists(root_ / "b2" / kBackupUnfinishedFile));  // removed once finished
  auto into_unfinished = RestoreNode(root_ / "b2", root_ / "b", testing::Secret("operator-pass"), clock_);
  ASSERT_FALSE(into_unfinished);
  EXPECT_NE(into_unfinished.error().message.find("holds a backup that did not finish"), std::string::npos)
      << into_unfinished.error().message;
  auto unfinished = RestoreNode(root_ / "b", root_ / "new", testing::Secret("operator-pass"), clock_);
  ASSERT_FALSE(unfinished);
  EXPECT_EQ(unfinished.error().code, BaseErrc::kNotFound);
  EXPECT_NE(unfinished.error().message.find("did not finish"), std::string::npos);
}

// Tablets pin the node's TLS fingerprint. The identity is in the store, so
// a backup carries it and the restored node keeps the fingerprint; its key
// is in no file in the clear, on the node or on the stick.
TEST_F(BackupTest, ARestoredNodeKeepsItsTlsIdentityAndTheKeyIsNeverInAFileInTheClear) {
  auto identity = EnsureNodeTlsIdentity(*node_);
  ASSERT_TRUE(identity) << identity.error().message;
  const std::string pinned = **NodeTlsFingerprint(*node_);
  auto backup = BackupNode(*node_, root_ / "usb", clock_);
  ASSERT_TRUE(backup) << backup.error().message;
  EXPECT_EQ(backup->tls_fingerprint, pinned);
  auto restored = RestoreNode(root_ / "usb", root_ / "new", testing::Secret("operator-pass"), clock_);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->tls_fingerprint, pinned);
  auto node = OpenNodeDir(root_ / "new", testing::Secret("operator-pass"));
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_EQ(**NodeTlsFingerprint(*node), pinned);
  auto served = EnsureNodeTlsIdentity(*node);
  ASSERT_TRUE(served);
  EXPECT_EQ(served->private_key_pem.view(), identity->private_key_pem.view());
  for (const auto& dir : {root_ / "node", root_ / "usb", root_ / "new"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      auto bytes = ReadFileBytes(entry.path(), 1 << 30);
      ASSERT_TRUE(bytes);
      EXPECT_EQ(ToString(*bytes).find("PRIVATE KEY"), std::string::npos) << entry.path();
    }
  }
  // A backup of a node that never served over TLS says it holds none.
  auto plain = CreateNode(root_ / "plain", testing::Secret("operator-pass"), "operator", testing::kFastArgon2id);
  ASSERT_TRUE(plain);
  auto none = BackupNode(*plain, root_ / "usb2", clock_);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->tls_fingerprint);
}

// A restore killed at any step (a child process, SIGKILL at each named
// point) leaves a directory that does not open as a node, and a second
// restore into it starts over and makes the node with its check-number
// floor. Before, the store and keystore were in place before the restore
// transaction committed: a killed restore left a node that opened and would
// number its checks as the lost machine may already have.
TEST_F(BackupTest, ARestoreKilledAtAnyStepLeavesNoNodeAndRestoresCleanlyAgain) {
  ASSERT_TRUE(BackupNode(*node_, root_ / "b", clock_));
  for (const std::string point : {"copied", "committed", "store-moved"}) {
    SCOPED_TRACE(point);
    const std::filesystem::path dir = root_ / ("into-" + point);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      (void)RestoreNode(root_ / "b", dir, testing::Secret("operator-pass"), clock_, [&](std::string_view at) {
        if (at == point) ::kill(::getpid(), SIGKILL);
      });
      ::_exit(3);  // the point was never reached
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    auto half = OpenNodeDir(dir, testing::Secret("operator-pass"));
    ASSERT_FALSE(half);
    EXPECT_NE(half.error().message.find("did not finish"), std::string::npos) << half.error().message;

    auto again = RestoreNode(root_ / "b", dir, testing::Secret("operator-pass"), clock_);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->next_check_seq, kRestoreSkippedCheckNumbers + 6);
    auto node = OpenNodeDir(dir, testing::Secret("operator-pass"));
    ASSERT_TRUE(node) << node.error().message;
    EXPECT_EQ(Events(*node).back(), "node.restore");
    EXPECT_FALSE(std::filesystem::exists(dir / kRestoreStagingDir));
  }
}

TEST(BackupCliTest, BackupAndRestoreFromTheCommandLine) {
  testing::TempDir root;
  testing::ProcessOptions opts;
  opts.env["AKARI_PASSPHRASE"] = "operator-pass";
  const std::string data = (root / "node").string(), out = (root / "usb").string(), again = (root / "new").string();
  ASSERT_EQ(testing::RunProgram("akari", {"init", "--data", data, "--kdf-ms", "5"}, opts).exit_code, 0);
  auto backup = testing::RunProgram("akari", {"backup", "--data", data, "--out", out}, opts);
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.out.find("akari restore --from " + out), std::string::npos) << backup.out;
  auto restore = testing::RunProgram("akari", {"restore", "--from", out, "--data", again, "--json"}, opts);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  const auto j = nlohmann::json::parse(restore.out);
  EXPECT_EQ(j["checks"], 0);
  EXPECT_EQ(j["next_check_seq"], kRestoreSkippedCheckNumbers + 1);
  auto status = testing::RunProgram("akari", {"status", "--data", again, "--json"}, opts);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["node_id"], j["node_id"]);
  auto twice = testing::RunProgram("akari", {"restore", "--from", out, "--data", again}, opts);
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("already holds a node"), std::string::npos) << twice.err;
}

}  // namespace
}  // namespace akari::node
