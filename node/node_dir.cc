#include "node/node_dir.h"

#include "base/clock.h"
#include "base/errors.h"
#include "base/file.h"
#include "node/store/meta_keys.h"

namespace akari::node {

Result<OpenNode> CreateNode(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase,
                            std::string_view slot_label, const crypto::Argon2idParams& kdf) {
  std::error_code ec;
  const auto keystore_path = dir / kKeystoreFile;
  const auto db_path = dir / kDatabaseFile;
  if (std::filesystem::exists(keystore_path, ec) || std::filesystem::exists(db_path, ec)) {
    return MakeError(BaseErrc::kExists, dir.string() +
                                            " already holds an Akari node; choose another --data "
                                            "directory (nothing was changed)");
  }
  // A node's directory is its own: its files (staging, locks, TLS, logs)
  // must not mix with others, and `chmod 0700` must not close a directory
  // shared with other work. `lost+found` is a fresh file system's.
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "lost+found") continue;
    return MakeError(BaseErrc::kExists, dir.string() + " holds other files (" + name +
                                            "); a node needs a directory of its own: give a new or empty --data "
                                            "directory (nothing was changed)");
  }
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    return MakeError(BaseErrc::kExists, dir.string() +
                                            " is a file, not a directory: give a new or empty --data directory "
                                            "(nothing was changed)");
  }
  AKARI_TRY(CreatePrivateDirectory(dir));
  auto keystore = crypto::Keystore::Create(keystore_path, passphrase, slot_label, kdf);
  if (!keystore) return std::unexpected(keystore.error());
  auto cleanup = [&] {
    std::filesystem::remove(keystore_path, ec);
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(dir / (std::string(kDatabaseFile) + suffix), ec);
  };
  auto store = store::Store::Open(db_path, keystore->database_key().span(), {.create = true});
  if (!store) {
    cleanup();
    return std::unexpected(store.error());
  }
  Status meta = store->SetMeta(store::meta::kNodeId, keystore->node_id());
  if (meta) meta = store->SetMeta(store::meta::kCreatedAt, FormatUtc(SystemClock::Instance().Now()));
  if (meta) meta = store->SetMeta(store::meta::kMode, "normal");
  if (!meta) {
    cleanup();
    return std::unexpected(meta.error());
  }
  return OpenNode{dir, std::move(*keystore), std::move(*store)};
}

Result<OpenNode> OpenNodeDir(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase) {
  std::error_code ec;
  if (std::filesystem::exists(dir / kRestoreStagingDir, ec) && !std::filesystem::exists(dir / kKeystoreFile, ec)) {
    return MakeError(BaseErrc::kInvalidInput, "a restore into " + dir.string() +
                                                  " did not finish, so it holds no node; run akari restore into it "
                                                  "again (it starts over)");
  }
  AKARI_ASSIGN_OR_RETURN(crypto::Keystore keystore, crypto::Keystore::Unlock(dir / kKeystoreFile, passphrase));
  AKARI_ASSIGN_OR_RETURN(store::Store store,
                         store::Store::Open(dir / kDatabaseFile, keystore.database_key().span(), {.create = false}));
  return OpenNode{dir, std::move(keystore), std::move(store)};
}

Result<store::Store> OpenStoreConnection(const OpenNode& node) {
  return store::Store::Open(node.dir / kDatabaseFile, node.keystore.database_key().span(), {.create = false});
}

}  // namespace akari::node
