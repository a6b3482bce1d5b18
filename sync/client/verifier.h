// Deciding whether to trust a publication: walk the root chain from the
// pinned root, then verify the manifest (signature by the current root's
// manifest keys, region, no rollback, not mixed with other metadata,
// expiry against a clock that cannot go back past signed time, an envelope
// for this node). TUF's client workflow, cut to Akari's two roles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/keys.h"
#include "crypto/secret_buffer.h"
#include "sync/client/source.h"
#include "sync/publication/content_key.h"
#include "sync/publication/manifest.h"
#include "sync/publication/root.h"

namespace akari::sync::client {

struct RootUpdate {
  publication::RootMetadata root;                               // the newest trusted root
  std::vector<std::pair<std::int64_t, std::string>> new_roots;  // (version, file text) newly accepted, in order
};

// Fetches <region>/root/<n+1>.json, <n+2>.json, … until one is missing,
// verifying each against its predecessor. Errors: those of
// publication::VerifyNextRoot, source errors, kCorruptDocument.
// A chain longer than kMaxRootChainSteps stops there (the rest next time).
[[nodiscard]] Result<RootUpdate> UpdateRoots(PublicationSource& source, const publication::RootMetadata& pinned);

// What a node has accepted so far.
struct TrustState {
  std::string region;
  std::string node_id;
  std::optional<std::int64_t> data_version;
  std::string applied_manifest_hash;      // of the manifest data_version came from
  std::optional<TimePoint> trusted_time;  // newest signed time seen
};

struct NodeBoxKeys {
  crypto::X25519PublicKey public_key{};
  const crypto::SecretBuffer* secret_key = nullptr;
};

struct ManifestCheckOptions {
  bool accept_expired = false;  // an administrator's decision, recorded by the caller
  TimePoint now;                // the local clock
};

struct VerifiedManifest {
  publication::Manifest manifest;
  std::string hash;                                    // hex BLAKE2b-256 of the manifest file
  bool up_to_date = false;                             // same version as applied: nothing to do
  bool expired = false;                                // expired, accepted because accept_expired
  bool clock_behind = false;                           // the local clock is behind trusted time
  TimePoint effective_now;                             // max(local clock, trusted time)
  TimePoint new_trusted_time;                          // max(trusted time, manifest created)
  std::optional<publication::ContentKey> content_key;  // unless up_to_date
};

// A manifest whose signatures verified under the current root.
struct SignedManifest {
  publication::Manifest manifest;
  std::string hash;  // hex BLAKE2b-256 of the manifest file
};

// Parses manifest text and checks a threshold of the root's manifest keys
// signed it; nothing unsigned is interpreted beyond its shape. Errors:
// kCorruptDocument, kUnknownKey, kBadSignature.
[[nodiscard]] Result<SignedManifest> ParseSignedManifest(ByteSpan text, const publication::RootMetadata& root);

// Fetches <region>/manifest.json and parses it as above; kHttp when the
// source has none.
[[nodiscard]] Result<SignedManifest> FetchSignedManifest(PublicationSource& source,
                                                         const publication::RootMetadata& root,
                                                         std::string_view region);

// The remaining checks of a signed manifest. Errors (each leaves the node
// unchanged): kWrongRegion, kRolledBack (older than data_version),
// kMixAndMatch (naming a root version the source lacks, or a different manifest
// for the version already applied), kExpired (unless accept_expired),
// kNoEnvelope. A local clock behind trusted time is not an error: the
// trusted time is used instead and clock_behind reported.
[[nodiscard]] Result<VerifiedManifest> CheckManifest(SignedManifest signed_manifest,
                                                     const publication::RootMetadata& root, const TrustState& state,
                                                     const NodeBoxKeys& keys, const ManifestCheckOptions& options);

// FetchSignedManifest then CheckManifest.
[[nodiscard]] Result<VerifiedManifest> FetchAndVerifyManifest(PublicationSource& source,
                                                              const publication::RootMetadata& root,
                                                              const TrustState& state, const NodeBoxKeys& keys,
                                                              const ManifestCheckOptions& options);

}  // namespace akari::sync::client
