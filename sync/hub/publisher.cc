#include "sync/hub/publisher.h"

#include <map>
#include <set>

#include "base/file.h"
#include "base/strings.h"
#include "crypto/hash.h"
#include "sync/errors.h"
#include "sync/hub/content_keys.h"
#include "sync/hub/keys.h"
#include "sync/hub/nodes.h"
#include "sync/internal/json_fields.h"
#include "sync/publication/entries.h"
#include "sync/publication/layout.h"
#include "sync/publication/manifest.h"
#include "sync/publication/object.h"
#include "sync/publication/signed.h"

namespace akari::sync::hub {
namespace {

using publication::ObjectKind;
using publication::ObjectRef;

std::unexpected<Error> Io(const Error& e) {
  return MakeError(SyncErrc::kIo, e.message);
}

// Writes objects into <root>/<region>/objects and remembers them by
// plaintext identity and content key, so unchanged payloads map to the
// object already published.
class ObjectWriter {
 public:
  ObjectWriter(HubStore& store, std::filesystem::path region_dir, const publication::ContentKey& key, int level)
      : store_(store), dir_(std::move(region_dir)), key_(key), level_(level) {}

  Status Prepare() {
    AKARI_ASSIGN_OR_RETURN(
        find_, store_.database().Prepare("SELECT hash, size FROM object WHERE plain_id = ? AND content_key_id = ?"));
    AKARI_ASSIGN_OR_RETURN(insert_, store_.database().Prepare("INSERT OR REPLACE INTO object(plain_id, "
                                                              "content_key_id, hash, size) VALUES (?, ?, ?, ?)"));
    return {};
  }

  // Returns the object for `payload` and its plaintext id; `written` tells
  // whether it was new.
  Result<std::pair<ObjectRef, std::string>> Put(ObjectKind kind, ByteSpan payload, bool* written = nullptr) {
    const std::string plain_id = publication::PlainIdOf(kind, payload);
    find_.Bind(1, plain_id).Bind(2, key_.id);
    AKARI_ASSIGN_OR_RETURN(bool row, find_.Step());
    if (row) {
      ObjectRef ref{find_.ColumnText(0), find_.ColumnInt(1)};
      find_.Reset();
      std::error_code ec;
      const auto file = dir_ / "objects" / ref.hash;
      if (std::filesystem::exists(file, ec) &&
          static_cast<std::int64_t>(std::filesystem::file_size(file, ec)) == ref.size) {
        if (written != nullptr) *written = false;
        return std::make_pair(ref, plain_id);
      }
    }
    AKARI_ASSIGN_OR_RETURN(publication::SealedObject sealed, publication::SealObject(kind, payload, key_.key, level_));
    if (auto s = WriteFileAtomically(dir_ / "objects" / sealed.ref.hash, sealed.bytes, 0644); !s) return Io(s.error());
    AKARI_TRY(insert_.Bind(1, plain_id).Bind(2, key_.id).Bind(3, sealed.ref.hash).Bind(4, sealed.ref.size).Run());
    if (written != nullptr) *written = true;
    return std::make_pair(sealed.ref, plain_id);
  }

 private:
  HubStore& store_;
  std::filesystem::path dir_;
  const publication::ContentKey& key_;
  int level_;
  db::Statement find_, insert_;
};

// Collects encoded entries and cuts them into payloads.
struct EntryBuffer {
  Bytes bytes;
  std::vector<std::size_t> offsets;
  std::int64_t first_id = 0, last_id = 0;

  void Add(std::int64_t id, ByteSpan entry) {
    if (offsets.empty()) first_id = id;
    last_id = id;
    offsets.push_back(bytes.size());
    bytes.insert(bytes.end(), entry.begin(), entry.end());
  }
  std::vector<ByteSpan> Spans() const {
    std::vector<ByteSpan> out;
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      const std::size_t end = i + 1 < offsets.size() ? offsets[i + 1] : bytes.size();
      out.push_back(ByteSpan(bytes).subspan(offsets[i], end - offsets[i]));
    }
    return out;
  }
  void Clear() {
    bytes.clear();
    offsets.clear();
  }
  bool empty() const { return offsets.empty(); }
};

// The version the publication directory already shows: a crashed publish may
// have got further than the hub store knows. 0 when there is none or it
// cannot be read (the store then has the last version). A version that no
// version a node accepts can follow is refused, not incremented past int64 or
// past what nodes accept.
Result<std::int64_t> VersionOnDisk(const std::filesystem::path& manifest_file) {
  auto bytes = ReadFileBytes(manifest_file, publication::kMaxManifestBytes);
  if (!bytes) return 0;
  auto doc = publication::ParseSignedDocument(*bytes, "manifest", publication::kMaxManifestBytes);
  if (!doc || !doc->signed_part.contains("version") || !doc->signed_part["version"].is_number_integer()) return 0;
  internal::JsonFields fields(doc->signed_part, "signed");
  const std::int64_t version = fields.Int("version", 0, publication::kMaxVersion - 1);
  if (!fields.ok()) {
    return MakeError(SyncErrc::kCorruptDocument,
                     manifest_file.string() + " says version " + doc->signed_part["version"].dump() +
                         ", and no version can follow it (nodes accept versions up to " +
                         std::to_string(publication::kMaxVersion) +
                         "). The publication directory is damaged and nothing was published: restore it from a "
                         "backup, or move it aside and publish again");
  }
  return version;
}

std::string ExpiryLimitText() {
  return "at most " + std::to_string(std::chrono::duration_cast<std::chrono::days>(kMaxExpiresIn).count()) + " days (" +
         std::to_string(kMaxExpiresIn.count()) + "s)";
}

// When a version created at `created` expires. Checked before anything is
// written or signed: an expiry that wrapped around would be signed as a
// date in the past, and every node would refuse the version.
Result<TimePoint> ExpiryOf(TimePoint created, std::chrono::seconds expires_in) {
  if (expires_in <= std::chrono::seconds(0) || expires_in > kMaxExpiresIn) {
    return MakeError(SyncErrc::kInvalidArgument, "a version must expire after it is published, and " +
                                                     ExpiryLimitText() + " later; " +
                                                     std::to_string(expires_in.count()) + "s was asked for");
  }
  const TimePoint::duration room = TimePoint::max() - created;
  if (created.time_since_epoch().count() < 0 || room <= expires_in) {
    return MakeError(SyncErrc::kInvalidArgument, "the clock reads " + FormatUtc(created) + ": an expiry " +
                                                     std::to_string(expires_in.count()) +
                                                     "s later cannot be written; check the hub's clock");
  }
  // expires_in > 0 and fits: the expiry is after `created`.
  return created + expires_in;
}

}  // namespace

Result<std::chrono::seconds> ParseExpiresIn(std::string_view text) {
  const std::string given(text);
  // A unit letter, or none for seconds.
  std::int64_t unit = 1;
  if (!text.empty()) {
    constexpr std::pair<char, std::int64_t> kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    for (const auto& [letter, seconds] : kUnits) {
      if (text.back() != letter) continue;
      unit = seconds;
      text.remove_suffix(1);
      break;
    }
  }
  const auto n = ParseInt64(text);
  if (!n || *n <= 0) {
    return MakeError(SyncErrc::kInvalidArgument, "'" + given + "' is not a duration: use e.g. 7d, 36h, 90m or 600s");
  }
  // Compared before multiplying: 9999999999999999d would wrap around.
  const std::int64_t limit = kMaxExpiresIn.count() / unit;
  if (*n > limit) {
    return MakeError(SyncErrc::kInvalidArgument,
                     "--expires-in " + given + " is too long: a version may be valid for " + ExpiryLimitText());
  }
  return std::chrono::seconds(*n * unit);
}

std::uint64_t ChunkBoundaryHash(std::int64_t id) {
  auto z = static_cast<std::uint64_t>(id) + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Result<PublishSummary> Publish(OpenHub& hub, const PublishOptions& options, const Clock& clock) {
  HubStore& store = hub.store;
  db::Database& db = store.database();
  const std::string& region = hub.region;
  const auto root_dir = hub.publication_root();
  const auto region_dir = root_dir / region;
  // Refused here, before anything is written; checked again below against
  // the creation time the manifest states.
  AKARI_TRY(ExpiryOf(clock.Now(), options.expires_in));
  std::error_code ec;
  for (const char* sub : {"objects", "manifests", "root"}) {
    std::filesystem::create_directories(region_dir / sub, ec);
    if (ec) return MakeError(SyncErrc::kIo, "cannot create " + (region_dir / sub).string() + ": " + ec.message());
  }
  AKARI_TRY(WriteRootFiles(store, root_dir));

  AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db));
  PublishSummary summary;
  AKARI_ASSIGN_OR_RETURN(auto as_of_text, store.GetMeta(meta::kAsOf));
  if (!as_of_text) {
    return MakeError(SyncErrc::kInvalidArgument,
                     "nothing was imported yet: run `akari-hub import --data DIR --from GENERATED_DIR` first");
  }
  AKARI_ASSIGN_OR_RETURN(auto rotate, store.GetMeta(meta::kRotateContentKey));
  if (rotate && *rotate == "1") {
    AKARI_TRY(StoreNewContentKey(store, clock));
    AKARI_TRY(store.SetMeta(meta::kRotateContentKey, "0"));
    summary.content_key_rotated = true;
  }
  AKARI_ASSIGN_OR_RETURN(publication::ContentKey key, CurrentContentKey(store));
  AKARI_ASSIGN_OR_RETURN(std::int64_t db_version, db.QueryInt("SELECT coalesce(max(version), 0) FROM publication"));
  summary.previous_version = db_version;
  AKARI_ASSIGN_OR_RETURN(const std::int64_t disk_version, VersionOnDisk(region_dir / "manifest.json"));
  summary.version = std::max(db_version, disk_version) + 1;

  ObjectWriter writer(store, region_dir, key, options.object_level);
  AKARI_TRY(writer.Prepare());
  publication::Manifest m;
  m.region = region;
  m.version = summary.version;

  // One pass over this region's persons (id order) against what the last
  // version held; reference records of other regions are never published.
  AKARI_ASSIGN_OR_RETURN(db::Statement current,
                         db.Prepare("SELECT id, entry, entry_hash FROM person WHERE region IS NULL ORDER BY id"));
  AKARI_ASSIGN_OR_RETURN(db::Statement published,
                         db.Prepare("SELECT id, entry_hash FROM published_person ORDER BY id"));
  std::vector<std::pair<std::int64_t, Bytes>> upserted;  // id, entry hash
  std::vector<std::int64_t> removed;
  EntryBuffer chunk, delta;
  std::vector<ObjectRef> delta_objects;
  auto flush_chunk = [&]() -> Status {
    if (chunk.empty()) return {};
    const auto spans = chunk.Spans();
    const Bytes payload = publication::ChunkPayloadFromEncoded(spans);
    bool written = false;
    AKARI_ASSIGN_OR_RETURN(auto obj, writer.Put(ObjectKind::kChunk, payload, &written));
    m.chunks.push_back({obj.first, obj.second, chunk.first_id, chunk.last_id, static_cast<std::int64_t>(spans.size())});
    summary.chunks_written += written ? 1 : 0;
    chunk.Clear();
    return {};
  };
  auto flush_delta = [&](bool last) -> Status {
    if (delta.empty() && !last) return {};
    const auto spans = delta.Spans();
    const Bytes payload = publication::DeltaPayloadFromEncoded(
        spans, last ? std::span<const std::int64_t>(removed) : std::span<const std::int64_t>());
    AKARI_ASSIGN_OR_RETURN(auto obj, writer.Put(ObjectKind::kDelta, payload));
    delta_objects.push_back(obj.first);
    delta.Clear();
    return {};
  };

  AKARI_ASSIGN_OR_RETURN(bool pub_row, published.Step());
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, current.Step());
    if (!row) break;
    const std::int64_t id = current.ColumnInt(0);
    const ByteSpan entry = current.ColumnBlob(1);
    const ByteSpan entry_hash = current.ColumnBlob(2);
    while (pub_row && published.ColumnInt(0) < id) {
      removed.push_back(published.ColumnInt(0));
      AKARI_ASSIGN_OR_RETURN(pub_row, published.Step());
    }
    bool same = false;
    if (pub_row && published.ColumnInt(0) == id) {
      const ByteSpan old_hash = published.ColumnBlob(1);
      same = std::equal(old_hash.begin(), old_hash.end(), entry_hash.begin(), entry_hash.end());
      AKARI_ASSIGN_OR_RETURN(pub_row, published.Step());
    }
    if (!same) {
      upserted.emplace_back(id, Bytes(entry_hash.begin(), entry_hash.end()));
      if (db_version > 0) {
        delta.Add(id, entry);
        if (delta.bytes.size() >= options.max_delta_object_bytes) AKARI_TRY(flush_delta(false));
      }
    }
    chunk.Add(id, entry);
    ++summary.persons;
    if (ChunkBoundaryHash(id) % std::max<std::uint64_t>(1, options.chunk_divisor) == 0 ||
        chunk.bytes.size() >= options.max_chunk_bytes) {
      AKARI_TRY(flush_chunk());
    }
  }
  while (pub_row) {
    removed.push_back(published.ColumnInt(0));
    AKARI_ASSIGN_OR_RETURN(pub_row, published.Step());
  }
  AKARI_TRY(flush_chunk());
  m.persons = summary.persons;
  summary.chunks = static_cast<std::int64_t>(m.chunks.size());
  summary.snapshot_bytes = m.SnapshotBytes();

  if (db_version > 0) {
    AKARI_TRY(flush_delta(true));
    summary.delta_upserts = static_cast<std::int64_t>(upserted.size());
    summary.delta_removes = static_cast<std::int64_t>(removed.size());
    publication::DeltaRef d{db_version, summary.version, delta_objects, summary.delta_upserts, summary.delta_removes};
    summary.delta_bytes = d.Bytes();
    nlohmann::json objects = nlohmann::json::array();
    for (const ObjectRef& o : delta_objects) objects.push_back({{"object", o.hash}, {"size", o.size}});
    AKARI_ASSIGN_OR_RETURN(db::Statement s, db.Prepare("INSERT OR REPLACE INTO delta(to_version, from_version, "
                                                       "content_key_id, objects, upserts, removes) VALUES (?, ?, ?, ?, "
                                                       "?, ?)"));
    AKARI_TRY(s.Bind(1, d.to)
                  .Bind(2, d.from)
                  .Bind(3, key.id)
                  .Bind(4, objects.dump())
                  .Bind(5, d.upserts)
                  .Bind(6, d.removes)
                  .Run());
  }

  // Deltas under the current content key, newest first, while contiguous.
  {
    AKARI_ASSIGN_OR_RETURN(db::Statement s, db.Prepare("SELECT to_version, from_version, objects, upserts, removes "
                                                       "FROM delta WHERE content_key_id = ? ORDER BY to_version DESC"));
    s.Bind(1, key.id);
    std::vector<publication::DeltaRef> chain;
    std::int64_t expected_to = summary.version, bytes = 0;
    for (;;) {
      AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row || static_cast<int>(chain.size()) >= options.max_deltas) break;
      publication::DeltaRef d;
      d.to = s.ColumnInt(0);
      d.from = s.ColumnInt(1);
      if (d.to != expected_to) break;
      for (const auto& o : nlohmann::json::parse(s.ColumnText(2))) {
        d.objects.push_back({o["object"].get<std::string>(), o["size"].get<std::int64_t>()});
      }
      d.upserts = s.ColumnInt(3);
      d.removes = s.ColumnInt(4);
      bytes += d.Bytes();
      if (!chain.empty() && bytes > summary.snapshot_bytes) break;
      expected_to = d.from;
      chain.push_back(std::move(d));
    }
    s.Reset();
    m.deltas.assign(chain.rbegin(), chain.rend());
    summary.deltas_listed = static_cast<int>(m.deltas.size());
  }

  AKARI_ASSIGN_OR_RETURN(auto dict_text, store.GetMeta(meta::kDictionaryId));
  if (const auto dict_id = ParseInt64(dict_text.value_or("0")).value_or(0); dict_id > 0) {
    AKARI_ASSIGN_OR_RETURN(db::Statement s, db.Prepare("SELECT bytes FROM dictionary WHERE id = ?"));
    s.Bind(1, dict_id);
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return MakeError(SyncErrc::kCorruptDocument, "the hub database lacks its document dictionary");
    const Bytes payload = publication::DictionaryPayload(static_cast<std::uint32_t>(dict_id), s.ColumnBlob(0));
    s.Reset();
    AKARI_ASSIGN_OR_RETURN(auto obj, writer.Put(ObjectKind::kDictionary, payload));
    m.dictionaries.push_back({static_cast<std::uint32_t>(dict_id), obj.first});
  }
  {
    // The hub's own trust material, then the revocation lists of reference
    // regions; a list imported twice (the same national list with several
    // regions) is listed once.
    AKARI_ASSIGN_OR_RETURN(db::Statement s,
                           db.Prepare("SELECT kind, der FROM trust_item ORDER BY region IS NOT NULL, region, id"));
    std::set<std::string> listed;
    for (;;) {
      AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      const auto kind =
          s.ColumnText(0) == "crl" ? publication::TrustRef::Kind::kCrl : publication::TrustRef::Kind::kCaCertificate;
      AKARI_ASSIGN_OR_RETURN(auto obj, writer.Put(ObjectKind::kTrust, s.ColumnBlob(1)));
      if (!listed.insert(obj.second).second) continue;
      m.trust.push_back({kind, obj.first, obj.second});
    }
  }

  AKARI_ASSIGN_OR_RETURN(std::vector<NodeInfo> nodes, EnrolledNodes(store));
  for (const NodeInfo& n : nodes) {
    if (!n.box_public_key) continue;
    AKARI_ASSIGN_OR_RETURN(m.envelopes[n.node_id], publication::SealContentKey(key, *n.box_public_key));
  }
  summary.envelopes = static_cast<int>(m.envelopes.size());

  AKARI_ASSIGN_OR_RETURN(SignedRoot root, CurrentRoot(store));
  m.root_version = root.root.version;
  m.created = clock.Now();
  AKARI_ASSIGN_OR_RETURN(m.expires, ExpiryOf(m.created, options.expires_in));
  m.as_of = static_cast<Date>(ParseInt64(*as_of_text).value_or(0));
  m.content_key_id = key.id;
  summary.created = m.created;
  summary.expires = m.expires;
  if (root.root.expires - m.created < std::chrono::hours(24 * 30)) {
    summary.warning = "the root metadata expires on " + FormatUtc(root.root.expires) +
                      "; run `akari-hub keys rotate` to sign a new root version before then";
  }

  publication::SignedDocument doc;
  doc.signed_part = publication::ManifestToJson(m);
  AKARI_ASSIGN_OR_RETURN(std::vector<crypto::SecretBuffer> signing_keys, ManifestSigningKeys(store));
  for (const crypto::SecretBuffer& k : signing_keys) AKARI_TRY(publication::AddSignature(doc, k));
  AKARI_ASSIGN_OR_RETURN(std::string text, publication::SerializeSignedDocument(doc));
  summary.manifest_hash = publication::ObjectHashOf(AsBytes(text));
  if (auto s =
          WriteFileAtomically(root_dir / publication::VersionedManifestPath(region, m.version), AsBytes(text), 0644);
      !s) {
    return Io(s.error());
  }
  if (auto s = WriteFileAtomically(root_dir / publication::ManifestPath(region), AsBytes(text), 0644); !s) {
    return Io(s.error());
  }

  AKARI_ASSIGN_OR_RETURN(db::Statement pub,
                         db.Prepare("INSERT INTO publication(version, created_at, expires_at, as_of, "
                                    "content_key_id, manifest_hash, persons, import_id) VALUES (?, "
                                    "?, ?, ?, ?, ?, ?, (SELECT max(id) FROM import_batch))"));
  AKARI_TRY(pub.Bind(1, m.version)
                .Bind(2, ToUnixSeconds(m.created))
                .Bind(3, ToUnixSeconds(m.expires))
                .Bind(4, std::int64_t{m.as_of})
                .Bind(5, key.id)
                .Bind(6, summary.manifest_hash)
                .Bind(7, m.persons)
                .Run());
  AKARI_ASSIGN_OR_RETURN(db::Statement del, db.Prepare("DELETE FROM published_person WHERE id = ?"));
  for (std::int64_t id : removed) AKARI_TRY(del.Bind(1, id).Run());
  AKARI_ASSIGN_OR_RETURN(db::Statement put,
                         db.Prepare("INSERT OR REPLACE INTO published_person(id, entry_hash) VALUES (?, ?)"));
  for (const auto& [id, hash] : upserted) AKARI_TRY(put.Bind(1, id).BindBlob(2, hash).Run());
  AKARI_TRY(tx.Commit());
  return summary;
}

}  // namespace akari::sync::hub
