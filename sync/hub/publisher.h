// `akari-hub publish`: writes a new version of the region's publication
// (docs/publication.md): snapshot chunks (reused when unchanged), a delta
// from the previous version, dictionaries, trust material, one content-key
// envelope per enrolled node, and a manifest signed by the manifest key.
//
// Crash safety: objects are written (and fsynced) first, then
// manifests/<v>.json, then manifest.json (atomic rename), and only then
// the hub store records the version. A publish interrupted after the
// manifest was written is detected by the next one, which numbers past it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "sync/hub/hub.h"

namespace akari::sync::hub {

// The longest a published version may be applied for: ten years. Nodes
// treat a manifest past its expiry as stale, so a longer one would only
// hide a hub that stopped publishing.
inline constexpr std::chrono::seconds kMaxExpiresIn = std::chrono::days(3650);

// Parses `publish --expires-in`: "7d", "36h", "90m", "600s" or plain
// seconds, above zero and at most kMaxExpiresIn. Error: kInvalidArgument,
// naming the form or the limit (a count too large for any unit included).
[[nodiscard]] Result<std::chrono::seconds> ParseExpiresIn(std::string_view text);

struct PublishOptions {
  // Above zero and at most kMaxExpiresIn.
  std::chrono::seconds expires_in = std::chrono::hours(24 * 7);
  // At most this many deltas are listed (and never more bytes of deltas
  // than the snapshot itself).
  int max_deltas = 30;
  // A chunk ends after a person whose id hashes to 0 modulo this (so chunk
  // boundaries depend on ids only, and an unchanged stretch of persons
  // gives the same chunk again), or when it reaches max_chunk_bytes.
  std::uint64_t chunk_divisor = 512;
  std::size_t max_chunk_bytes = std::size_t{4} << 20;
  std::size_t max_delta_object_bytes = std::size_t{8} << 20;
  int object_level = 3;
};

struct PublishSummary {
  std::int64_t version = 0;
  std::int64_t previous_version = 0;  // 0 for the first
  std::int64_t persons = 0;
  std::int64_t chunks = 0;
  std::int64_t chunks_written = 0;  // new objects (the rest reused)
  std::int64_t snapshot_bytes = 0;
  std::int64_t delta_upserts = 0;
  std::int64_t delta_removes = 0;
  std::int64_t delta_bytes = 0;
  int deltas_listed = 0;
  int envelopes = 0;
  bool content_key_rotated = false;
  std::string manifest_hash;
  TimePoint created;
  TimePoint expires;
  std::string warning;  // e.g. root metadata close to expiry
};

// Errors: kInvalidArgument (nothing imported yet; `expires_in` not above
// zero or beyond kMaxExpiresIn, or an expiry the manifest format cannot
// hold: refused before anything is written or signed), kCorruptDocument
// (the published version on disk cannot be followed, the store lacks its
// dictionary), kIo, store errors.
[[nodiscard]] Result<PublishSummary> Publish(OpenHub& hub, const PublishOptions& options, const Clock& clock);

// The chunk-boundary hash of a person id (splitmix64 finaliser).
std::uint64_t ChunkBoundaryHash(std::int64_t id);

}  // namespace akari::sync::hub
