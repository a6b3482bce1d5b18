#include "sync/hub/hub.h"

#include "base/errors.h"
#include "base/file.h"
#include "sync/errors.h"
#include "sync/hub/content_keys.h"
#include "sync/hub/keys.h"
#include "sync/publication/content_key.h"
#include "sync/publication/layout.h"

namespace akari::sync::hub {

Result<OpenHub> CreateHub(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase,
                          std::string_view region, const crypto::Argon2idParams& kdf, const Clock& clock) {
  if (!publication::IsValidRegion(region)) {
    return MakeError(SyncErrc::kInvalidArgument, "'" + std::string(region) +
                                                     "' is not a region code: use 1 to 16 letters, digits, '-' or "
                                                     "'_' (e.g. the JIS prefecture code 17)");
  }
  std::error_code ec;
  const auto keystore_path = dir / kHubKeystoreFile;
  const auto db_path = dir / kHubDatabaseFile;
  if (std::filesystem::exists(keystore_path, ec) || std::filesystem::exists(db_path, ec)) {
    return MakeError(BaseErrc::kExists,
                     dir.string() + " already holds a hub; choose another --data directory (nothing was changed)");
  }
  AKARI_TRY(CreatePrivateDirectory(dir));
  auto cleanup = [&] {
    std::filesystem::remove(keystore_path, ec);
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(dir / (std::string(kHubDatabaseFile) + suffix), ec);
    }
  };
  auto keystore = crypto::Keystore::Create(keystore_path, passphrase, "hub operator", kdf);
  if (!keystore) return std::unexpected(keystore.error());
  auto store = HubStore::Open(db_path, keystore->database_key().span(), /*create=*/true);
  if (!store) {
    cleanup();
    return std::unexpected(store.error());
  }
  auto init = [&]() -> Status {
    AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(store->database()));
    AKARI_TRY(store->SetMeta(meta::kRegion, region));
    AKARI_TRY(store->SetMeta(meta::kCreatedAt, FormatUtc(clock.Now())));
    AKARI_TRY(store->SetMeta(meta::kDictionaryId, "0"));
    AKARI_TRY(CreateInitialKeys(*store, region, clock));
    AKARI_TRY(StoreNewContentKey(*store, clock));
    return tx.Commit();
  };
  if (auto s = init(); !s) {
    cleanup();
    return std::unexpected(s.error());
  }
  OpenHub hub{dir, std::move(*keystore), std::move(*store), std::string(region)};
  AKARI_TRY(WriteRootFiles(hub.store, hub.publication_root()));
  return hub;
}

Result<OpenHub> OpenHubDir(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / kHubKeystoreFile, ec)) {
    return MakeError(BaseErrc::kNotFound,
                     "no hub in " + dir.string() + ": run `akari-hub init --data " + dir.string() + "` first");
  }
  AKARI_ASSIGN_OR_RETURN(crypto::Keystore keystore, crypto::Keystore::Unlock(dir / kHubKeystoreFile, passphrase));
  AKARI_ASSIGN_OR_RETURN(HubStore store,
                         HubStore::Open(dir / kHubDatabaseFile, keystore.database_key().span(), /*create=*/false));
  AKARI_ASSIGN_OR_RETURN(std::string region, store.Region());
  return OpenHub{dir, std::move(keystore), std::move(store), std::move(region)};
}

Result<HubStore> OpenHubStoreConnection(const OpenHub& hub) {
  return HubStore::Open(hub.dir / kHubDatabaseFile, hub.keystore.database_key().span(), /*create=*/false);
}

}  // namespace akari::sync::hub
