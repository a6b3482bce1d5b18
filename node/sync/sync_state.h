// The node's sync state in its store: the pinned root metadata chain, what
// version it holds and from which manifest, the snapshot chunks its persons
// equal, its dictionaries and trust material ids, and the trusted-time
// high-water mark (meta keys in node/store/meta_keys.h and below).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "node/store/store.h"
#include "sync/client/plan.h"
#include "sync/client/verifier.h"
#include "sync/publication/manifest.h"
#include "sync/publication/root.h"

namespace akari::node {

namespace sync_meta {
inline constexpr std::string_view kManifestHash = "sync_manifest_hash";        // of the applied manifest
inline constexpr std::string_view kTrustIds = "sync_trust_ids";                // JSON array of plaintext ids
inline constexpr std::string_view kRootFingerprint = "sync_root_fingerprint";  // pinned at enrollment
}  // namespace sync_meta

// The newest accepted root. Error kInvalidArgument when the node was never
// enrolled (no root pinned).
[[nodiscard]] Result<sync::publication::RootMetadata> PinnedRoot(store::Store& store);

// Records newly accepted root versions (file text as fetched).
[[nodiscard]] Status SaveRoots(store::Store& store, const std::vector<std::pair<std::int64_t, std::string>>& roots);

// Region, data version, applied manifest and trusted time.
[[nodiscard]] Result<sync::client::TrustState> ReadTrustState(store::Store& store, std::string node_id);

// Held chunks, dictionaries and trust ids (staged objects are added by the caller).
[[nodiscard]] Result<sync::client::HeldState> ReadHeldState(store::Store& store);

// Replaces the held chunk list with `chunks` (inside the apply transaction).
[[nodiscard]] Status SaveChunks(store::Store& store, const std::vector<sync::publication::ChunkRef>& chunks);

// The id range of a held chunk.
[[nodiscard]] Result<std::optional<std::pair<std::int64_t, std::int64_t>>> HeldChunkRange(store::Store& store,
                                                                                          std::string_view id);

// Ids of stored persons with first <= id <= last.
[[nodiscard]] Result<std::vector<std::int64_t>> PersonIdsInRange(store::Store& store, std::int64_t first,
                                                                 std::int64_t last);

}  // namespace akari::node
