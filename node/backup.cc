#include "node/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/file.h"
#include "base/strings.h"
#include "crypto/errors.h"
#include "crypto/hash.h"
#include "crypto/keystore.h"
#include "crypto/tls_certificate.h"
#include "node/audit/audit_log.h"
#include "node/audit/journal.h"
#include "node/checks/check_queue.h"
#include "node/store/meta_keys.h"
#include "sync/db/sqlite.h"

namespace akari::node {
namespace {

namespace fs = std::filesystem;

bool IsEmptyOrMissing(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

// Copies `from` to `to` (created with mode 0600, must not exist) and
// fsyncs it.
Status CopyFileDurably(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::none, ec);
  if (ec) return MakeError(BaseErrc::kIo, "cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
  fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
  const int fd = ::open(to.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) return MakeError(BaseErrc::kIo, "cannot sync " + to.string() + ": " + std::strerror(errno));
  return {};
}

Result<BackupInfo> ReadCopy(const fs::path& dir, store::Store& copy) {
  BackupInfo info;
  info.dir = dir;
  AKARI_ASSIGN_OR_RETURN(std::string integrity, copy.IntegrityCheck());
  if (integrity != "ok") {
    return MakeError(BaseErrc::kInvalidInput, "the copy in " + dir.string() + " fails its integrity check (" +
                                                  integrity + "); use another medium and back up again");
  }
  AKARI_ASSIGN_OR_RETURN(info.counts, copy.Counts());
  AKARI_ASSIGN_OR_RETURN(auto version, copy.GetMeta(store::meta::kDataVersion));
  if (version) info.data_version = ParseInt64(*version);
  AKARI_ASSIGN_OR_RETURN(auto certificate, copy.GetMeta(store::meta::kTlsCertificatePem));
  if (certificate) {
    AKARI_ASSIGN_OR_RETURN(std::string fingerprint, crypto::CertificatePemFingerprintSha256(*certificate));
    info.tls_fingerprint = std::move(fingerprint);
  }
  return info;
}

// Removes what a failed backup or restore wrote into `dir`, which was
// empty or missing before: the directory too if this run created it (an
// empty one given, such as a USB stick's root, stays).
void RemoveWhatWasWritten(const fs::path& dir, bool created) {
  std::error_code ec;
  if (created) {
    fs::remove_all(dir, ec);
    return;
  }
  for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove_all(e.path(), ec);
}

struct ManifestFile {
  std::string name;
  std::string blake2b;
  std::int64_t bytes = 0;
};
struct BackupManifest {
  std::string node_id;
  std::string created_at;
  std::vector<ManifestFile> files;  // the store and the keystore
};

// Reads backup.json without trusting its shape: a field of the wrong type
// is a clear refusal, never an exception.
Result<BackupManifest> ParseManifest(ByteSpan text, const fs::path& file) {
  const nlohmann::json j = nlohmann::json::parse(ToString(text), nullptr, false);
  auto text_at = [](const nlohmann::json& o, const char* key) -> std::optional<std::string> {
    if (!o.is_object() || !o.contains(key) || !o[key].is_string()) return std::nullopt;
    return o[key].get<std::string>();
  };
  auto bad = [&](std::string what) {
    return MakeError(BaseErrc::kInvalidInput, file.string() + " is not an " + std::string(kBackupFormat) +
                                                  " manifest (" + what + "); nothing was restored");
  };
  if (text_at(j, "format") != std::string(kBackupFormat)) return bad("format");
  BackupManifest m;
  auto node_id = text_at(j, "node_id");
  auto created_at = text_at(j, "created_at");
  if (!node_id || !created_at) return bad("node_id, created_at");
  m.node_id = *node_id;
  m.created_at = *created_at;
  if (!j.contains("files") || !j["files"].is_object()) return bad("files");
  for (const char* name : {kKeystoreFile, kDatabaseFile}) {
    const nlohmann::json& f = j["files"].contains(name) ? j["files"][name] : nlohmann::json();
    auto hash = text_at(f, "blake2b");
    if (!hash || !f.contains("bytes") || !f["bytes"].is_number_integer()) return bad(std::string("files.") + name);
    m.files.push_back({name, *hash, f["bytes"].get<std::int64_t>()});
  }
  return m;
}

// A backup that was stopped: its marker, and no manifest (a backup killed
// after its manifest and before the marker's removal is finished).
bool HoldsAnUnfinishedBackup(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / kBackupUnfinishedFile, ec) && !fs::exists(dir / kBackupManifestFile, ec);
}

// Why `out` cannot take a backup of the node in `node_dir` (it is neither
// missing nor an empty directory), in the words staff need: a file, the
// node itself, an earlier backup (never overwritten), one that did not
// finish, or other files.
std::unexpected<Error> OccupiedBackupTarget(const fs::path& out, const fs::path& node_dir, const Clock& clock) {
  std::error_code ec;
  const std::string give = "; give a new or empty directory for the backup";
  if (!fs::is_directory(out, ec)) {
    return MakeError(BaseErrc::kExists, out.string() + " is a file, not a directory" + give);
  }
  if (fs::equivalent(out, node_dir, ec)) {
    return MakeError(BaseErrc::kExists,
                     out.string() + " is the node's own directory" + give + " on other media (a USB stick)");
  }
  if (fs::exists(out / kBackupManifestFile, ec)) {
    return MakeError(BaseErrc::kExists, out.string() + " already holds a backup, and backups are never overwritten" +
                                            give + " (or delete the old one if it is no longer needed)");
  }
  if (HoldsAnUnfinishedBackup(out)) {
    return MakeError(BaseErrc::kExists, out.string() + " holds a backup that did not finish (it has " +
                                            kBackupUnfinishedFile + " and no " + kBackupManifestFile + "): delete " +
                                            out.string() +
                                            " and run the backup again, or give a new or empty directory");
  }
  if (fs::exists(out / kKeystoreFile, ec) || fs::exists(out / kDatabaseFile, ec)) {
    // The same names as an unfinished backup's, but no marker: a node (or a
    // backup stopped by an older Akari). Never advise deleting a node.
    return MakeError(BaseErrc::kExists, out.string() + " holds an Akari node" + give);
  }
  // Most often a stick's own root (which holds the file system's folders):
  // name a new directory on it.
  return MakeError(BaseErrc::kExists, out.string() +
                                          " holds other files; give a new or empty directory for the "
                                          "backup, such as " +
                                          (out / ("akari-backup-" + FormatUtc(clock.Now()).substr(0, 10))).string());
}

}  // namespace

Result<BackupInfo> BackupNode(OpenNode& node, const fs::path& out, const Clock& clock) {
  if (!IsEmptyOrMissing(out)) return OccupiedBackupTarget(out, node.dir, clock);
  const bool created = !fs::exists(out);
  const TimePoint at = clock.Now();
  AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
  // Record openings a stopped akari serve left in the audit journal go into
  // the log before it is copied (a running one moves its own itself; the
  // journal is not part of a backup). If they cannot be moved, they stay
  // in the journal and the backup goes on without them, saying so.
  std::optional<std::string> journal_warning;
  if (auto merged = AuditJournal::MergeLeftover(node.dir, node.keystore.database_key(), audit); !merged) {
    journal_warning = "record openings left in the audit journal could not be moved into the log (" +
                      merged.error().message + "), so this backup does not hold them; they stay on the node";
  }
  AKARI_TRY(audit.Append({"node.backup", "cli", std::nullopt, {{"to", out.string()}}}));

  auto result = [&]() -> Result<BackupInfo> {
    AKARI_TRY(CreatePrivateDirectory(out));
    AKARI_TRY(WriteFileAtomically(out / kBackupUnfinishedFile,
                                  AsBytes("This backup of an Akari node did not finish: delete this directory and run "
                                          "akari backup again.\n"),
                                  0600));
    {
      AKARI_ASSIGN_OR_RETURN(db::Database copy,
                             db::OpenEncrypted(out / kDatabaseFile, node.keystore.database_key().span(), true));
      AKARI_TRY(node.store.database().CopyTo(copy));
      // Leaves one file: the copy's WAL is folded in and removed.
      AKARI_TRY(copy.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    AKARI_ASSIGN_OR_RETURN(Bytes keystore, ReadFileBytes(node.dir / kKeystoreFile));
    AKARI_TRY(WriteFileAtomically(out / kKeystoreFile, keystore, 0600));
    BackupInfo info;
    {
      AKARI_ASSIGN_OR_RETURN(
          store::Store copy,
          store::Store::Open(out / kDatabaseFile, node.keystore.database_key().span(), {.create = false}));
      AKARI_ASSIGN_OR_RETURN(info, ReadCopy(out, copy));
    }
    info.node_id = node.keystore.node_id();
    info.created_at = at;
    nlohmann::json files = nlohmann::json::object();
    for (const char* name : {kDatabaseFile, kKeystoreFile}) {
      AKARI_ASSIGN_OR_RETURN(crypto::FileDigest hashed, crypto::HashFile(out / name));
      files[name] = {{"bytes", hashed.bytes}, {"blake2b", ToHex(hashed.hash)}};
      info.bytes += hashed.bytes;
    }
    const nlohmann::json manifest = {
        {"format", kBackupFormat},
        {"node_id", info.node_id},
        {"created_at", FormatUtc(at)},
        {"data_version", info.data_version ? nlohmann::json(*info.data_version) : nlohmann::json(nullptr)},
        {"counts",
         {{"persons", info.counts.persons},
          {"checks", info.counts.checks},
          {"checks_pending", info.counts.checks_pending},
          {"audit_entries", info.counts.audit_entries}}},
        {"files", files}};
    AKARI_TRY(WriteFileAtomically(out / kBackupManifestFile, AsBytes(manifest.dump(2) + "\n"), 0600));
    // The manifest is on disk (WriteFileAtomically synced the directory):
    // the backup is finished whether or not the marker's removal lands, and
    // a marker beside a manifest means nothing (HoldsAnUnfinishedBackup).
    // Failing now would remove a finished backup.
    std::error_code ec;
    fs::remove(out / kBackupUnfinishedFile, ec);
    static_cast<void>(SyncDirectory(out));
    info.audit_journal_warning = journal_warning;
    return info;
  }();
  if (!result) {
    RemoveWhatWasWritten(out, created);
    // node.backup stays (the copy carries it: restore dates the backup by
    // it), so the log says this copy does not exist. Best effort: the
    // backup's own error is what the caller must see.
    static_cast<void>(audit.Append(
        {"node.backup_failed", "cli", std::nullopt, {{"to", out.string()}, {"error", result.error().message}}}));
  }
  return result;
}

namespace {

// A restore builds the node in kRestoreStagingDir inside `dir` and moves
// its files into `dir` only once the copy is checked and its restore
// transaction committed: the store first, the keystore last. Until the
// keystore is in place `dir` is not a node (OpenNodeDir says the restore
// did not finish), so a restore killed at any point never leaves a node
// that opens without the check-number floor and its node.restore entry.
// The staging directory is inside `dir`, not beside it, so that the moves
// stay on one file system even when `dir` is a mount point.
bool IsUnfinishedRestore(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / kRestoreStagingDir, ec) && !fs::exists(dir / kKeystoreFile, ec);
}

// Removes what an unfinished restore left in `dir` (IsUnfinishedRestore):
// the staging directory and a store already moved out of it, which no
// keystore opens.
Status ClearUnfinishedRestore(const fs::path& dir) {
  std::error_code ec;
  for (const std::string& name : {std::string(kDatabaseFile), std::string(kDatabaseFile) + "-wal",
                                  std::string(kDatabaseFile) + "-shm", std::string(kRestoreStagingDir)}) {
    fs::remove_all(dir / name, ec);
    if (ec) return MakeError(BaseErrc::kIo, "cannot remove " + (dir / name).string() + ": " + ec.message());
  }
  if (!fs::is_empty(dir, ec)) {
    return MakeError(BaseErrc::kExists, dir.string() +
                                            " holds an unfinished restore and other files; restore into a new or "
                                            "empty directory");
  }
  return {};
}

// When the store in `node` (a backup's copy) was backed up, from its own
// verified audit log; refuses a log that does not verify and a manifest
// time (`manifest_at`) more than a few minutes from it.
Result<TimePoint> BackupTimeInCopy(OpenNode& node, const Clock& clock, const std::string& manifest_at) {
  AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
  AKARI_ASSIGN_OR_RETURN(const AuditVerifyReport report, audit.Verify());
  if (!report.ok()) {
    return MakeError(BaseErrc::kInvalidInput, "the backup's audit log does not verify (" + report.problem +
                                                  "): the backup was altered or damaged. Nothing was restored; use "
                                                  "another copy");
  }
  AKARI_ASSIGN_OR_RETURN(
      store::Statement s,
      node.store.database().Prepare("SELECT at FROM audit_log WHERE event = 'node.backup' ORDER BY seq DESC LIMIT 1"));
  AKARI_ASSIGN_OR_RETURN(const bool found, s.Step());
  if (!found) {
    return MakeError(BaseErrc::kInvalidInput,
                     "the store in the backup records no backup (node.backup): it is not a copy made by akari "
                     "backup. Nothing was restored; use another copy");
  }
  const TimePoint logged = FromUnixSeconds(s.ColumnInt(0));
  TimePoint stated;
  if (!ParseUtc(manifest_at, stated) || std::chrono::abs(stated - logged) > std::chrono::minutes(5)) {
    return MakeError(BaseErrc::kInvalidInput, "backup.json says the backup was made at " + manifest_at +
                                                  ", but the store in it was backed up at " + FormatUtc(logged) +
                                                  ": the manifest does not belong to this store. Nothing was "
                                                  "restored; use another copy");
  }
  return logged;
}

Status MoveIntoPlace(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) return MakeError(BaseErrc::kIo, "cannot move " + from.string() + " to " + to.string() + ": " + ec.message());
  return {};
}

}  // namespace

Result<BackupInfo> RestoreNode(const fs::path& from, const fs::path& dir, const crypto::SecretBuffer& passphrase,
                               const Clock& clock, const std::function<void(std::string_view)>& stop_at) {
  auto reached = [&](std::string_view point) {
    if (stop_at) stop_at(point);
  };
  auto bytes = ReadFileBytes(from / kBackupManifestFile, 1 << 20);
  if (!bytes) {
    return MakeError(BaseErrc::kNotFound, from.string() + " holds no " + kBackupManifestFile +
                                              ": it is not an Akari backup, or the backup did not finish");
  }
  AKARI_ASSIGN_OR_RETURN(const BackupManifest manifest, ParseManifest(*bytes, from / kBackupManifestFile));
  // The passphrase first: a store of a prefecture is over a gigabyte, and a
  // typo must not cost a copy of it from a slow stick on battery.
  if (auto unlocked = crypto::Keystore::Unlock(from / kKeystoreFile, passphrase); !unlocked) {
    if (unlocked.error().code != crypto::CryptoErrc::kKeystoreMissing) return std::unexpected(unlocked.error());
    return MakeError(BaseErrc::kInvalidInput, from.string() + " holds no " + std::string(kKeystoreFile) +
                                                  ": the backup is incomplete. Nothing was restored; use another copy");
  }
  if (IsUnfinishedRestore(dir)) {
    AKARI_TRY(ClearUnfinishedRestore(dir));
  } else if (!IsEmptyOrMissing(dir)) {
    std::error_code ec;
    const std::string what = !fs::is_directory(dir, ec)     ? " is a file, not a directory"
                             : HoldsAnUnfinishedBackup(dir) ? " holds a backup that did not finish"
                             : fs::exists(dir / kKeystoreFile, ec)
                                 ? " already holds a node, and a restore never replaces one"
                                 : " holds other files";
    return MakeError(BaseErrc::kExists, dir.string() + what + "; restore into a new or empty directory");
  }
  const bool created = !fs::exists(dir);
  const fs::path staging = dir / kRestoreStagingDir;
  auto result = [&]() -> Result<BackupInfo> {
    AKARI_TRY(CreatePrivateDirectory(dir));
    AKARI_TRY(CreatePrivateDirectory(staging));
    AKARI_TRY(SyncDirectory(dir));
    // Copied first, then the copies hashed: one read of the medium, and
    // what is checked is what the node will open.
    for (const ManifestFile& f : manifest.files) {
      AKARI_TRY(CopyFileDurably(from / f.name, staging / f.name));
      AKARI_ASSIGN_OR_RETURN(crypto::FileDigest hashed, crypto::HashFile(staging / f.name));
      if (ToHex(hashed.hash) != f.blake2b || hashed.bytes != f.bytes) {
        return MakeError(BaseErrc::kInvalidInput, (from / f.name).string() +
                                                      " does not match the backup's manifest: the backup is damaged. "
                                                      "Nothing was restored; use another copy");
      }
    }
    AKARI_TRY(SyncDirectory(staging));
    reached("copied");
    AKARI_ASSIGN_OR_RETURN(OpenNode node, OpenNodeDir(staging, passphrase));
    AKARI_ASSIGN_OR_RETURN(BackupInfo info, ReadCopy(staging, node.store));
    info.dir = dir;
    info.node_id = node.keystore.node_id();
    if (info.node_id != manifest.node_id) {
      return MakeError(BaseErrc::kInvalidInput, "the backup's keystore belongs to node " + info.node_id +
                                                    ", its manifest names another; nothing was restored");
    }
    // backup.json is not signed: someone could put an older store of this
    // node beside a manifest rewritten to match it. The copy's own audit
    // log is signed by the node: verified, its newest node.backup entry
    // says when this store was backed up, and the manifest must agree.
    AKARI_ASSIGN_OR_RETURN(info.created_at, BackupTimeInCopy(node, clock, manifest.created_at));
    // The machine the backup came from may have gone on recording checks
    // after it, and uploading them: numbering on from the backup would give
    // the next check here the id of one of those, and the hub would refuse
    // it as a different check under a known id. One durable transaction
    // with its audit entry.
    AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(node.store.database(), /*durable=*/true));
    AKARI_ASSIGN_OR_RETURN(info.next_check_seq, SkipCheckNumbers(node.store, kRestoreSkippedCheckNumbers));
    AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
    AKARI_TRY(audit.Append({"node.restore",
                            "cli",
                            std::nullopt,
                            {{"from", from.string()},
                             {"backup_created_at", manifest.created_at},
                             {"next_check_seq", *info.next_check_seq}}}));
    AKARI_TRY(tx.Commit());
    return info;  // the node is closed here: its WAL checkpointed into the store
  }();
  if (result) {
    reached("committed");
    result = [&]() -> Result<BackupInfo> {
      std::error_code ec;
      fs::remove(staging / (std::string(kDatabaseFile) + "-shm"), ec);
      if (fs::exists(staging / (std::string(kDatabaseFile) + "-wal"), ec)) {
        AKARI_TRY(MoveIntoPlace(staging / (std::string(kDatabaseFile) + "-wal"),
                                dir / (std::string(kDatabaseFile) + "-wal")));
      }
      AKARI_TRY(MoveIntoPlace(staging / kDatabaseFile, dir / kDatabaseFile));
      AKARI_TRY(SyncDirectory(dir));
      reached("store-moved");
      // The restore's last step: from here on `dir` is the node.
      AKARI_TRY(MoveIntoPlace(staging / kKeystoreFile, dir / kKeystoreFile));
      AKARI_TRY(SyncDirectory(dir));
      fs::remove_all(staging, ec);
      return std::move(*result);
    }();
  }
  if (!result) RemoveWhatWasWritten(dir, created);
  return result;
}

}  // namespace akari::node
