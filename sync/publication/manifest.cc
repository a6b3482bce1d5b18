#include "sync/publication/manifest.h"

#include "base/bytes.h"
#include "base/saturating.h"
#include "sync/errors.h"
#include "sync/internal/json_fields.h"
#include "sync/publication/layout.h"

namespace akari::sync::publication {
namespace {

using internal::JsonFields;

constexpr std::size_t kMaxChunks = 1000000;
constexpr std::size_t kMaxDeltas = 10000;
constexpr std::size_t kMaxDeltaObjects = 100000;
constexpr std::size_t kMaxDictionaries = 1000;
constexpr std::size_t kMaxTrustItems = 1000;

// Sums of object sizes over a manifest (SnapshotBytes, DeltaRef::Bytes, a
// sync plan's bytes, the disk space estimate) need no checks: every list
// is capped above and every size is at most kMaxObjectBytes.
static_assert((kMaxChunks + kMaxDeltas * kMaxDeltaObjects + kMaxDictionaries + kMaxTrustItems) <=
              static_cast<std::size_t>(INT64_MAX) / kMaxObjectBytes);

nlohmann::json ObjectJson(const ObjectRef& o) {
  return {{"object", o.hash}, {"size", o.size}};
}

ObjectRef ReadObject(JsonFields& f) {
  ObjectRef o;
  o.hash = f.String("object", true, 64);
  if (f.ok() && !IsValidObjectHash(o.hash)) f.Fail("object", "not a lower-case hex BLAKE2b-256");
  o.size = f.Int("size", 1, static_cast<std::int64_t>(kMaxObjectBytes));
  return o;
}

std::string ReadId(JsonFields& f) {
  std::string id = f.String("id", true, 64);
  if (f.ok() && !IsValidObjectHash(id)) f.Fail("id", "not a lower-case hex BLAKE2b-256");
  return id;
}

std::unexpected<Error> CorruptManifest(std::string_view detail) {
  return MakeError(SyncErrc::kCorruptDocument,
                   "the manifest is malformed (" + std::string(detail) +
                       "); it was not written by an Akari hub. Nothing was changed; report this to the hub operator");
}

std::string Indexed(std::string_view name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

}  // namespace

std::int64_t DeltaRef::Bytes() const {
  std::int64_t total = 0;
  for (const ObjectRef& o : objects) total += o.size;
  return total;
}

std::int64_t Manifest::SnapshotBytes() const {
  std::int64_t total = 0;
  for (const ChunkRef& c : chunks) total += c.object.size;
  return total;
}

std::string_view TrustKindName(TrustRef::Kind kind) {
  return kind == TrustRef::Kind::kCrl ? "crl" : "ca_certificate";
}

nlohmann::json ManifestToJson(const Manifest& m) {
  nlohmann::json chunks = nlohmann::json::array();
  for (const ChunkRef& c : m.chunks) {
    nlohmann::json j = ObjectJson(c.object);
    j["id"] = c.id;
    j["first"] = c.first_id;
    j["last"] = c.last_id;
    j["persons"] = c.persons;
    chunks.push_back(std::move(j));
  }
  nlohmann::json deltas = nlohmann::json::array();
  for (const DeltaRef& d : m.deltas) {
    nlohmann::json objects = nlohmann::json::array();
    for (const ObjectRef& o : d.objects) objects.push_back(ObjectJson(o));
    deltas.push_back(
        {{"from", d.from}, {"to", d.to}, {"objects", objects}, {"upserts", d.upserts}, {"removes", d.removes}});
  }
  nlohmann::json dictionaries = nlohmann::json::array();
  for (const DictionaryRef& d : m.dictionaries) {
    nlohmann::json j = ObjectJson(d.object);
    j["id"] = d.id;
    dictionaries.push_back(std::move(j));
  }
  nlohmann::json trust = nlohmann::json::array();
  for (const TrustRef& t : m.trust) {
    nlohmann::json j = ObjectJson(t.object);
    j["kind"] = TrustKindName(t.kind);
    j["id"] = t.id;
    trust.push_back(std::move(j));
  }
  nlohmann::json envelopes = nlohmann::json::object();
  for (const auto& [node, sealed] : m.envelopes) envelopes[node] = sealed;
  return {{"_type", "manifest"},
          {"format", kManifestFormat},
          {"region", m.region},
          {"version", m.version},
          {"root_version", m.root_version},
          {"created", FormatUtc(m.created)},
          {"expires", FormatUtc(m.expires)},
          {"as_of", FormatDate(m.as_of)},
          {"content_key_id", m.content_key_id},
          {"envelopes", envelopes},
          {"persons", m.persons},
          {"chunks", chunks},
          {"deltas", deltas},
          {"dictionaries", dictionaries},
          {"trust", trust}};
}

Result<Manifest> ManifestFromJson(const nlohmann::json& j) {
  JsonFields f(j, "manifest");
  Manifest m;
  if (f.String("_type") != "manifest") f.Fail("_type", "expected \"manifest\"");
  f.Int("format", kManifestFormat, kManifestFormat);
  m.region = f.String("region");
  if (f.ok() && !IsValidRegion(m.region)) f.Fail("region", "not a region code");
  m.version = f.Int("version", 1, kMaxVersion);
  m.root_version = f.Int("root_version", 1, kMaxVersion);
  m.created = f.Utc("created");
  m.expires = f.Utc("expires");
  if (f.ok() && m.expires <= m.created) f.Fail("expires", "not after created");
  m.as_of = ParseDate(f.String("as_of"));
  if (f.ok() && m.as_of == 0) f.Fail("as_of", "not a date");
  m.content_key_id = f.String("content_key_id", true, 32);
  if (f.ok() && (m.content_key_id.size() != 32 || !FromHex(m.content_key_id))) {
    f.Fail("content_key_id", "not 32 hex digits");
  }
  m.persons = f.Int("persons", 0, kMaxCount);
  if (!f.ok()) return CorruptManifest(f.error());

  const nlohmann::json* envelopes = f.Find("envelopes");
  if (envelopes == nullptr || !envelopes->is_object()) return CorruptManifest("manifest.envelopes: expected an object");
  for (const auto& [node, sealed] : envelopes->items()) {
    if (!sealed.is_string() || sealed.get_ref<const std::string&>().size() > 256) {
      return CorruptManifest("manifest.envelopes." + node + ": expected a base64 string");
    }
    m.envelopes[node] = sealed.get<std::string>();
  }

  std::int64_t counted = 0;
  const auto& chunks = f.Array("chunks", true, kMaxChunks);
  for (std::size_t i = 0; i < chunks.size() && f.ok(); ++i) {
    JsonFields c(chunks[i], "manifest." + Indexed("chunks", i));
    ChunkRef chunk;
    chunk.object = ReadObject(c);
    chunk.id = ReadId(c);
    chunk.first_id = c.Int("first", 1, INT64_MAX);
    chunk.last_id = c.Int("last", chunk.first_id, INT64_MAX);
    chunk.persons = c.Int("persons", 1, kMaxCount);
    if (c.ok() && chunk.persons - 1 > chunk.last_id - chunk.first_id) c.Fail("persons", "more than its id range holds");
    if (c.ok() && !m.chunks.empty() && chunk.first_id <= m.chunks.back().last_id) {
      c.Fail("first", "overlaps or precedes the previous chunk");
    }
    f.Absorb(c);
    // A sum of hub-chosen counts past int64 stays at its end, and then
    // differs from `persons` like any other wrong sum.
    counted = SaturatingAdd(counted, chunk.persons);
    m.chunks.push_back(std::move(chunk));
  }
  if (f.ok() && counted != m.persons) f.Fail("persons", "differs from the sum over chunks");

  const auto& deltas = f.Array("deltas", false, kMaxDeltas);
  for (std::size_t i = 0; i < deltas.size() && f.ok(); ++i) {
    JsonFields d(deltas[i], "manifest." + Indexed("deltas", i));
    DeltaRef delta;
    // from < to <= version: from + 1 stays within int64 whatever was read.
    delta.from = d.Int("from", 0, m.version - 1);
    delta.to = d.Int("to", delta.from + 1, m.version);
    delta.upserts = d.Int("upserts", 0, kMaxCount);
    delta.removes = d.Int("removes", 0, kMaxCount);
    const auto& objects = d.Array("objects", true, kMaxDeltaObjects);
    for (std::size_t k = 0; k < objects.size() && d.ok(); ++k) {
      JsonFields o(objects[k], d.path() + "." + Indexed("objects", k));
      delta.objects.push_back(ReadObject(o));
      d.Absorb(o);
    }
    if (d.ok() && !m.deltas.empty() && delta.from != m.deltas.back().to) d.Fail("from", "leaves a gap in the chain");
    f.Absorb(d);
    m.deltas.push_back(std::move(delta));
  }
  if (f.ok() && !m.deltas.empty() && m.deltas.back().to != m.version) {
    f.Fail("deltas", "do not end at this version");
  }

  const auto& dictionaries = f.Array("dictionaries", false, kMaxDictionaries);
  for (std::size_t i = 0; i < dictionaries.size() && f.ok(); ++i) {
    JsonFields d(dictionaries[i], "manifest." + Indexed("dictionaries", i));
    DictionaryRef dict;
    dict.object = ReadObject(d);
    dict.id = static_cast<std::uint32_t>(d.Int("id", 1, UINT32_MAX));
    f.Absorb(d);
    m.dictionaries.push_back(std::move(dict));
  }

  const auto& trust = f.Array("trust", false, kMaxTrustItems);
  for (std::size_t i = 0; i < trust.size() && f.ok(); ++i) {
    JsonFields t(trust[i], "manifest." + Indexed("trust", i));
    TrustRef item;
    item.object = ReadObject(t);
    item.id = ReadId(t);
    const std::string kind = t.String("kind");
    if (kind == "crl") {
      item.kind = TrustRef::Kind::kCrl;
    } else if (kind != "ca_certificate") {
      t.Fail("kind", "expected ca_certificate or crl");
    }
    f.Absorb(t);
    m.trust.push_back(std::move(item));
  }
  if (!f.ok()) return CorruptManifest(f.error());
  return m;
}

}  // namespace akari::sync::publication
