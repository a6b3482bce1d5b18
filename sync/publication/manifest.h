// The manifest: one signed file naming everything a version of a region's
// publication consists of (docs/publication.md has the field list).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "sync/record.h"

namespace akari::sync::publication {

inline constexpr int kManifestFormat = 1;

// An object file: its name (lower-case hex BLAKE2b-256 of its bytes) and size.
struct ObjectRef {
  std::string hash;
  std::int64_t size = 0;
  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

// One part of the full snapshot: every person with first <= id <= last.
// `id` identifies the plaintext (the same persons encoded the same way),
// so a node can tell which parts it already holds even across key changes.
struct ChunkRef {
  ObjectRef object;
  std::string id;
  std::int64_t first_id = 0;
  std::int64_t last_id = 0;
  std::int64_t persons = 0;
};

// The changes from version `from` to version `to`.
struct DeltaRef {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::vector<ObjectRef> objects;
  std::int64_t upserts = 0;
  std::int64_t removes = 0;
  std::int64_t Bytes() const;
};

// A zstd dictionary person documents of this snapshot are compressed with.
struct DictionaryRef {
  std::uint32_t id = 0;
  ObjectRef object;
};

// Trust material for card checks (DER inside an encrypted object).
struct TrustRef {
  enum class Kind { kCaCertificate, kCrl };
  Kind kind = Kind::kCaCertificate;
  ObjectRef object;
  std::string id;  // plaintext identity, as for chunks
};

struct Manifest {
  std::string region;
  std::int64_t version = 0;
  std::int64_t root_version = 0;  // the root whose manifest keys sign this
  TimePoint created;
  TimePoint expires;
  Date as_of = 0;  // the date the data (and its risk classes) describe
  std::string content_key_id;
  std::map<std::string, std::string> envelopes;  // node id -> base64 sealed box
  std::int64_t persons = 0;
  std::vector<ChunkRef> chunks;             // ascending, disjoint id ranges
  std::vector<DeltaRef> deltas;             // contiguous, ending at `version`
  std::vector<DictionaryRef> dictionaries;  // every dictionary a document uses
  std::vector<TrustRef> trust;

  std::int64_t SnapshotBytes() const;
};

nlohmann::json ManifestToJson(const Manifest& manifest);

// Parses and validates the "signed" object (docs/publication.md §4):
// versions at most kMaxVersion, counts at most kMaxCount, object sizes at
// most kMaxObjectBytes, times within ParseUtc's years. Error:
// kCorruptDocument naming the first bad field and, for a number, its range.
[[nodiscard]] Result<Manifest> ManifestFromJson(const nlohmann::json& signed_part);

std::string_view TrustKindName(TrustRef::Kind kind);

}  // namespace akari::sync::publication
