// A hub's data directory and its unlocked form.
//
//   DIR/keystore.json            hub keystore (crypto/keystore.h): the key of hub.db
//   DIR/hub.db                   SQLCipher store (hub_store.h)
//   DIR/publication/<region>/…   what `publish` writes and `serve` serves
#pragma once

#include <filesystem>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/argon2id.h"
#include "crypto/keystore.h"
#include "sync/hub/hub_store.h"

namespace akari::sync::hub {

inline constexpr const char* kHubKeystoreFile = "keystore.json";
inline constexpr const char* kHubDatabaseFile = "hub.db";
inline constexpr const char* kPublicationDir = "publication";

struct OpenHub {
  std::filesystem::path dir;
  crypto::Keystore keystore;
  HubStore store;
  std::string region;

  std::filesystem::path publication_root() const { return dir / kPublicationDir; }
};

// Creates a hub in `dir`: keystore (one slot for `passphrase`), encrypted
// store, root keys (2 of 3) and a manifest key, root metadata version 1
// (valid `root_validity`), a first content key. Refuses (BaseErrc::kExists)
// a directory that already holds a hub; kInvalidArgument for a bad region.
[[nodiscard]] Result<OpenHub> CreateHub(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase,
                                        std::string_view region, const crypto::Argon2idParams& kdf, const Clock& clock);

// Unlocks and opens an existing hub.
[[nodiscard]] Result<OpenHub> OpenHubDir(const std::filesystem::path& dir, const crypto::SecretBuffer& passphrase);

// Another connection to an open hub's store (for server threads).
[[nodiscard]] Result<HubStore> OpenHubStoreConnection(const OpenHub& hub);

}  // namespace akari::sync::hub
