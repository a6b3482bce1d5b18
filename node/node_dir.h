// A node's data directory: the keystore, the encrypted store and the sync
// staging area. Created with mode 0700; every file in it is 0600.
//
//   DIR/keystore.json   key slots + encrypted node keys (crypto/keystore.h)
//   DIR/node.db         SQLCipher store (+ node.db-wal, node.db-shm)
//   DIR/staging/        verified downloads waiting to be applied
//   DIR/sync.lock       held by the one sync of this node that runs (node/sync/node_sync.h)
//   DIR/audit-journal   record openings on their way into the audit log, and
//   DIR/audit-journal.lock  held by the process that owns it (node/audit/journal.h)
#pragma once

#include <filesystem>

#include "base/result.h"
#include "crypto/argon2id.h"
#include "crypto/keystore.h"
#include "node/store/store.h"

namespace akari::node {

inline constexpr const char* kKeystoreFile = "keystore.json";
inline constexpr const char* kDatabaseFile = "node.db";
// Where akari restore builds a node inside its directory before moving it
// into place (node/backup.h).
inline constexpr const char* kRestoreStagingDir = ".restore-unfinished";
inline constexpr const char* kStagingDir = "staging";
inline constexpr const char* kSyncLockFile = "sync.lock";

// An unlocked node: keys in locked memory and an open store.
struct OpenNode {
  std::filesystem::path dir;
  crypto::Keystore keystore;
  store::Store store;
};

// Creates a node in `dir`: the directory (0700), a keystore with one slot
// for `passphrase` labelled `slot_label`, and an empty store at the current
// schema. Refuses (BaseErrc::kExists) a directory that already holds a
// keystore or database, or any other file (but `lost+found`), and a path
// that is a file. On failure nothing is left behind but the directory.
[[nodiscard]] Result<OpenNode> CreateNode(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase,
                                          std::string_view slot_label, const crypto::Argon2idParams& kdf);

// Unlocks the keystore in `dir` and opens its store (running migrations).
// Refuses (BaseErrc::kInvalidInput) a directory a restore did not finish in.
[[nodiscard]] Result<OpenNode> OpenNodeDir(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase);

// Opens another connection to an unlocked node's store (for other threads).
[[nodiscard]] Result<store::Store> OpenStoreConnection(const OpenNode& node);

}  // namespace akari::node
