// `akari backup` and `akari restore`: a copy of a node that survives the
// node's machine (dropped, flooded, stolen) on removable media. The queued
// checks are the only record of the visits made during an outage until
// the hub has them; a backup keeps them.
//
// A backup directory holds, written in this order:
//   node.db        the store as of one moment, still encrypted under the
//                  node's database key (SQLite's online backup: akari serve
//                  may go on serving meanwhile)
//   keystore.json  the keystore as it is: its key slots are the only way
//                  to that key, so the backup is no easier to open than
//                  the node
//   backup.json    format, node id, time, data version, counts and the
//                  BLAKE2b-256 of both files; written last, so a directory
//                  without it is incomplete
// Nothing in it is readable without a passphrase of one of the node's key
// slots. Restoring makes the same node (same id and keys): the machine the
// backup was taken from must not be used again, or the two would number
// their checks alike.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"
#include "node/node_dir.h"
#include "node/store/store.h"

namespace akari::node {

inline constexpr const char* kBackupManifestFile = "backup.json";
// Written first into a backup's directory and removed once its manifest is
// on disk: a directory holding it and no manifest is a backup that was
// stopped, and may be deleted. A node's directory never holds it, though
// its other files have the same names.
inline constexpr const char* kBackupUnfinishedFile = "BACKUP-NOT-FINISHED.txt";
inline constexpr std::string_view kBackupFormat = "akari-node-backup/1";

struct BackupInfo {
  std::filesystem::path dir;
  std::string node_id;
  TimePoint created_at;
  std::optional<std::int64_t> data_version;
  store::StoreCounts counts;  // of the copy
  std::int64_t bytes = 0;     // of both files
  // Restore only: the number of the next check recorded on the restored
  // node (kRestoreSkippedCheckNumbers above the backup's).
  std::optional<std::int64_t> next_check_seq;
  // The SHA-256 fingerprint of the node's TLS certificate in the copy; none
  // when the node never served over TLS, or kept its identity in files
  // (node/service/tls_identity.h), so that a restored node makes a new one.
  std::optional<std::string> tls_fingerprint;
  // Backup only: why record openings that a stopped akari serve left in the
  // audit journal could not be moved into the log first (they stay in the
  // journal, and are not in this backup); none when nothing was wrong.
  std::optional<std::string> audit_journal_warning;
};

// How many check numbers a restore leaves unused after the backup's newest
// check, for checks the original machine may have made after the backup: a
// busy shelter clinic records hundreds a day, so this covers years.
inline constexpr std::int64_t kRestoreSkippedCheckNumbers = 1'000'000;

// Copies `node` into `out` (created, mode 0700; refused if it exists and is
// not empty), after writing a "node.backup" audit entry (so the copy holds
// the record of its own making), then opens the copy to check it (integrity
// check and counts). Errors: BaseErrc::kExists, kIo, db errors (kDiskFull
// when the medium is full: the partial copy is removed).
[[nodiscard]] Result<BackupInfo> BackupNode(OpenNode& node, const std::filesystem::path& out, const Clock& clock);

// Makes the node of backup `from` in `dir` (created; refused if it exists
// and is not empty), after checking the files against backup.json, and
// unlocks it with `passphrase` (any of its key slots) to prove the copy
// opens; numbers the node's next checks above any its original may have
// made since (SkipCheckNumbers) and writes a "node.restore" audit entry. On
// any error nothing is left in `dir`. The node is built in a staging
// directory inside `dir` and its keystore moved into place last, so a
// restore killed at any point leaves a `dir` that does not open as a node
// (OpenNodeDir says why) and that a new restore starts over in. Errors:
// BaseErrc::kExists, kNotFound, kInvalidInput (not a backup, or damaged: a
// hash differs), crypto errors (wrong passphrase). `stop_at`, for crash
// tests, is called at "copied", "committed" and "store-moved".
[[nodiscard]] Result<BackupInfo> RestoreNode(const std::filesystem::path& from, const std::filesystem::path& dir,
                                             const crypto::SecretBuffer& passphrase, const Clock& clock,
                                             const std::function<void(std::string_view)>& stop_at = {});

}  // namespace akari::node
