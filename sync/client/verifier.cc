#include "sync/client/verifier.h"

#include "sync/errors.h"
#include "sync/publication/layout.h"
#include "sync/publication/object.h"
#include "sync/publication/signed.h"

namespace akari::sync::client {

using publication::Manifest;
using publication::RootMetadata;
using publication::SignedDocument;

Result<RootUpdate> UpdateRoots(PublicationSource& source, const RootMetadata& pinned) {
  RootUpdate update{pinned, {}};
  for (std::int64_t step = 0; step < publication::kMaxRootChainSteps; ++step) {
    const std::int64_t next_version = update.root.version + 1;
    AKARI_ASSIGN_OR_RETURN(
        std::optional<Bytes> text,
        source.ReadSmall(publication::RootPath(update.root.region, next_version), publication::kMaxRootBytes));
    if (!text) break;
    AKARI_ASSIGN_OR_RETURN(SignedDocument doc,
                           publication::ParseSignedDocument(*text, "root metadata " + std::to_string(next_version),
                                                            publication::kMaxRootBytes));
    AKARI_ASSIGN_OR_RETURN(RootMetadata next, publication::VerifyNextRoot(update.root, doc));
    update.new_roots.emplace_back(next.version, ToString(*text));
    update.root = std::move(next);
  }
  return update;
}

Result<SignedManifest> ParseSignedManifest(ByteSpan text, const RootMetadata& root) {
  AKARI_ASSIGN_OR_RETURN(SignedDocument doc,
                         publication::ParseSignedDocument(text, "the manifest", publication::kMaxManifestBytes));
  AKARI_TRY(publication::VerifyThreshold(doc, root.manifest_role, root.keys, "the manifest"));
  AKARI_ASSIGN_OR_RETURN(Manifest manifest, publication::ManifestFromJson(doc.signed_part));
  return SignedManifest{std::move(manifest), publication::ObjectHashOf(text)};
}

Result<SignedManifest> FetchSignedManifest(PublicationSource& source, const RootMetadata& root,
                                           std::string_view region) {
  AKARI_ASSIGN_OR_RETURN(std::optional<Bytes> text,
                         source.ReadSmall(publication::ManifestPath(region), publication::kMaxManifestBytes));
  if (!text) {
    std::string hint = "has the hub published yet? Check --hub or --from";
    // The region's own folder given instead of the publication's (usb/17
    // for usb, the natural pick on a stick): say which folder to give.
    auto inner = source.ReadSmall("manifest.json", publication::kMaxManifestBytes);
    if (inner && *inner) {
      hint = "that is the region's own folder: give the folder that holds it (the one with " + std::string(region) +
             "/ in it) instead";
    }
    return MakeError(SyncErrc::kHttp, source.Describe() + " has no manifest for region " + std::string(region) + " (" +
                                          publication::ManifestPath(region) + "); " + hint);
  }
  return ParseSignedManifest(*text, root);
}

Result<VerifiedManifest> CheckManifest(SignedManifest signed_manifest, const RootMetadata& root,
                                       const TrustState& state, const NodeBoxKeys& keys,
                                       const ManifestCheckOptions& options) {
  VerifiedManifest v;
  v.manifest = std::move(signed_manifest.manifest);
  v.hash = std::move(signed_manifest.hash);
  const Manifest& m = v.manifest;
  if (m.region != state.region) {
    return MakeError(SyncErrc::kWrongRegion, "the manifest is for region " + m.region + ", this node serves region " +
                                                 state.region + "; check --hub or --from. Nothing was changed");
  }
  // Signed by the newest root's manifest keys already; a manifest naming a
  // root this node cannot find was put together from files of different times.
  if (m.root_version > root.version) {
    return MakeError(SyncErrc::kMixAndMatch, "the manifest names root metadata version " +
                                                 std::to_string(m.root_version) + " but the newest the source has is " +
                                                 std::to_string(root.version) +
                                                 "; the publication mixes files of different times. Nothing was "
                                                 "changed; try again later or use another copy");
  }
  if (state.data_version && m.version < *state.data_version) {
    return MakeError(SyncErrc::kRolledBack, "the manifest is version " + std::to_string(m.version) +
                                                ", older than version " + std::to_string(*state.data_version) +
                                                " this node already holds (a rollback or a stale mirror). Nothing "
                                                "was changed");
  }
  if (state.data_version && m.version == *state.data_version) {
    if (!state.applied_manifest_hash.empty() && v.hash != state.applied_manifest_hash) {
      return MakeError(SyncErrc::kMixAndMatch, "the manifest for version " + std::to_string(m.version) +
                                                   " differs from the one this node applied; the hub published two "
                                                   "different versions under one number. Nothing was changed");
    }
    v.up_to_date = true;
  }
  v.new_trusted_time = state.trusted_time ? std::max(*state.trusted_time, m.created) : m.created;
  v.clock_behind = options.now < v.new_trusted_time;
  v.effective_now = std::max(options.now, state.trusted_time.value_or(options.now));
  if (v.up_to_date) return v;
  if (v.effective_now >= m.expires) {
    if (!options.accept_expired) {
      return MakeError(SyncErrc::kExpired,
                       "the manifest (version " + std::to_string(m.version) + ") expired at " + FormatUtc(m.expires) +
                           "; the node keeps serving its current data. An administrator may apply it anyway with "
                           "--accept-expired (recorded in the audit log)");
    }
    v.expired = true;
  }
  const auto envelope = m.envelopes.find(state.node_id);
  if (envelope == m.envelopes.end()) {
    return MakeError(SyncErrc::kNoEnvelope,
                     "the manifest has no content key for this node (" + state.node_id +
                         "): it is not, or no longer, enrolled with this hub. Ask the hub administrator. Nothing "
                         "was changed");
  }
  if (keys.secret_key == nullptr) return MakeError(SyncErrc::kInvalidArgument, "no box key given");
  AKARI_ASSIGN_OR_RETURN(publication::ContentKey key, publication::OpenContentKey(envelope->second, m.content_key_id,
                                                                                  keys.public_key, *keys.secret_key));
  v.content_key.emplace(std::move(key));
  return v;
}

Result<VerifiedManifest> FetchAndVerifyManifest(PublicationSource& source, const RootMetadata& root,
                                                const TrustState& state, const NodeBoxKeys& keys,
                                                const ManifestCheckOptions& options) {
  AKARI_ASSIGN_OR_RETURN(SignedManifest signed_manifest, FetchSignedManifest(source, root, state.region));
  return CheckManifest(std::move(signed_manifest), root, state, keys, options);
}

}  // namespace akari::sync::client
