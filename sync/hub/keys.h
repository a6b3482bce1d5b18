// The hub's signing keys and root metadata chain.
//
// Root keys (threshold 2 of 3) sign root metadata; the manifest key signs
// manifests. In this reference hub every key lives in the encrypted hub
// store; a production hub keeps root keys offline and brings them out only
// to sign a new root version (docs/publication.md, "Keys").
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"
#include "sync/hub/hub_store.h"
#include "sync/publication/root.h"

namespace akari::sync::hub {

inline constexpr int kRootKeyCount = 3;
inline constexpr int kRootThreshold = 2;
inline constexpr std::chrono::hours kDefaultRootValidity{24 * 365};

// Generates root and manifest keys and signs root version 1.
[[nodiscard]] Status CreateInitialKeys(HubStore& store, std::string_view region, const Clock& clock);

struct SignedRoot {
  publication::RootMetadata root;
  std::string text;         // the file, as published
  std::string fingerprint;  // publication::FingerprintOf(signed part)
};

// The newest root version.
[[nodiscard]] Result<SignedRoot> CurrentRoot(HubStore& store);
// Every root version, oldest first.
[[nodiscard]] Result<std::vector<SignedRoot>> AllRoots(HubStore& store);

// The secret key(s) of the current manifest role.
[[nodiscard]] Result<std::vector<crypto::SecretBuffer>> ManifestSigningKeys(HubStore& store);

struct RotateOptions {
  bool root_keys = false;     // replace the root keys
  bool manifest_key = false;  // replace the online manifest key
  std::chrono::seconds validity = kDefaultRootValidity;
};

// Signs root version N+1 (new keys as asked, new expiry) with a threshold
// of N's root keys and of N+1's own; retires replaced keys. Returns it.
[[nodiscard]] Result<SignedRoot> RotateKeys(HubStore& store, const RotateOptions& options, const Clock& clock);

// Writes <root>/<region>/root/<n>.json for every version (idempotent).
[[nodiscard]] Status WriteRootFiles(HubStore& store, const std::filesystem::path& publication_root);

// True while a root version that changed the manifest key is not yet in
// the publication (a `keys rotate --manifest` not yet published): writing
// root files then would make nodes trust a manifest key the published
// manifest is not signed by, and refuse it until the next publish.
[[nodiscard]] Result<bool> ManifestKeyChangeUnpublished(HubStore& store, const std::filesystem::path& publication_root);

}  // namespace akari::sync::hub
