#include "sync/publication/entries.h"

#include <cstring>
#include <limits>

#include "sync/errors.h"

namespace akari::sync::publication {
namespace {

template <typename T>
void Put(Bytes& out, T value) {
  using U = std::make_unsigned_t<T>;
  const auto u = static_cast<U>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
}

// Bounds-checked little-endian reader; after the first failure every read
// returns zero and ok() is false.
class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}

  template <typename T>
  T Get() {
    using U = std::make_unsigned_t<T>;
    if (!Need(sizeof(T))) return 0;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(static_cast<U>(data_[pos_ + i]) << (8 * i));
    pos_ += sizeof(T);
    return static_cast<T>(u);
  }
  ByteSpan Take(std::size_t n) {
    if (!Need(n)) return {};
    ByteSpan s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == data_.size(); }

 private:
  bool Need(std::size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  ByteSpan data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

std::unexpected<Error> CorruptEntries(std::string_view what) {
  return MakeError(SyncErrc::kCorruptDocument,
                   "an object's person data is malformed (" + std::string(what) + "); report this to the hub operator");
}

bool ReadEntry(Reader& r, PersonEntry& e) {
  e.id = r.Get<std::int64_t>();
  const auto doc_len = r.Get<std::uint32_t>();
  const ByteSpan doc = r.Take(doc_len);
  e.document.assign(doc.begin(), doc.end());
  const auto cards = r.Get<std::uint16_t>();
  e.index.card_keys.resize(cards);
  for (auto& k : e.index.card_keys) {
    const ByteSpan b = r.Take(16);
    if (!b.empty()) std::memcpy(k.data(), b.data(), 16);
  }
  const auto insurance = r.Get<std::uint16_t>();
  e.index.insurance_keys.resize(insurance);
  for (auto& k : e.index.insurance_keys) {
    const ByteSpan b = r.Take(16);
    if (!b.empty()) std::memcpy(k.data(), b.data(), 16);
  }
  const auto names = r.Get<std::uint16_t>();
  e.index.name_keys.resize(names);
  for (auto& k : e.index.name_keys) {
    k.birth_date = r.Get<std::int32_t>();
    const ByteSpan kana = r.Take(r.Get<std::uint16_t>());
    k.kana.assign(reinterpret_cast<const char*>(kana.data()), kana.size());
  }
  const auto risks = r.Get<std::uint16_t>();
  e.index.risk_classes.resize(risks);
  for (auto& c : e.index.risk_classes) c = static_cast<RiskClass>(r.Get<std::uint8_t>());
  return r.ok() && e.id > 0;
}

}  // namespace

Status AppendPersonEntry(Bytes& out, const PersonEntry& e) {
  constexpr std::size_t kMaxList = std::numeric_limits<std::uint16_t>::max();
  const IndexEntries& ix = e.index;
  if (e.id <= 0 || e.document.size() > std::numeric_limits<std::uint32_t>::max() || ix.card_keys.size() > kMaxList ||
      ix.insurance_keys.size() > kMaxList || ix.name_keys.size() > kMaxList || ix.risk_classes.size() > kMaxList) {
    return MakeError(SyncErrc::kInvalidArgument, "person " + std::to_string(e.id) + " cannot be encoded");
  }
  Put(out, e.id);
  Put(out, static_cast<std::uint32_t>(e.document.size()));
  out.insert(out.end(), e.document.begin(), e.document.end());
  Put(out, static_cast<std::uint16_t>(ix.card_keys.size()));
  for (const auto& k : ix.card_keys) out.insert(out.end(), k.begin(), k.end());
  Put(out, static_cast<std::uint16_t>(ix.insurance_keys.size()));
  for (const auto& k : ix.insurance_keys) out.insert(out.end(), k.begin(), k.end());
  Put(out, static_cast<std::uint16_t>(ix.name_keys.size()));
  for (const auto& k : ix.name_keys) {
    if (k.kana.size() > kMaxList) return MakeError(SyncErrc::kInvalidArgument, "kana key too long");
    Put(out, static_cast<std::int32_t>(k.birth_date));
    Put(out, static_cast<std::uint16_t>(k.kana.size()));
    out.insert(out.end(), k.kana.begin(), k.kana.end());
  }
  Put(out, static_cast<std::uint16_t>(ix.risk_classes.size()));
  for (RiskClass c : ix.risk_classes) out.push_back(static_cast<std::uint8_t>(c));
  return {};
}

Result<Bytes> EncodePersonEntry(const PersonEntry& entry) {
  Bytes out;
  out.reserve(entry.document.size() + 128);
  AKARI_TRY(AppendPersonEntry(out, entry));
  return out;
}

Result<PersonEntry> DecodePersonEntry(ByteSpan encoded) {
  Reader r(encoded);
  PersonEntry e;
  if (!ReadEntry(r, e) || !r.done()) return CorruptEntries("bad person entry");
  return e;
}

Bytes ChunkPayloadFromEncoded(std::span<const ByteSpan> encoded) {
  std::size_t total = 4;
  for (ByteSpan e : encoded) total += e.size();
  Bytes out;
  out.reserve(total);
  Put(out, static_cast<std::uint32_t>(encoded.size()));
  for (ByteSpan e : encoded) out.insert(out.end(), e.begin(), e.end());
  return out;
}

Bytes DeltaPayloadFromEncoded(std::span<const ByteSpan> upserts, std::span<const std::int64_t> removed) {
  Bytes out = ChunkPayloadFromEncoded(upserts);
  Put(out, static_cast<std::uint32_t>(removed.size()));
  for (std::int64_t id : removed) Put(out, id);
  return out;
}

Result<std::vector<PersonEntry>> DecodeChunkPayload(ByteSpan payload, std::int64_t first_id, std::int64_t last_id) {
  Reader r(payload);
  const auto count = r.Get<std::uint32_t>();
  if (!r.ok() || count > payload.size() / 16) return CorruptEntries("bad person count");
  std::vector<PersonEntry> out(count);
  std::int64_t previous = first_id - 1;
  for (PersonEntry& e : out) {
    if (!ReadEntry(r, e)) return CorruptEntries("truncated person entry");
    if (e.id <= previous || e.id > last_id)
      return CorruptEntries("person ids out of order or outside the chunk's range");
    previous = e.id;
  }
  if (!r.done()) return CorruptEntries("trailing bytes");
  return out;
}

Result<DeltaPayload> DecodeDeltaPayload(ByteSpan payload) {
  Reader r(payload);
  DeltaPayload out;
  const auto count = r.Get<std::uint32_t>();
  if (!r.ok() || count > payload.size() / 16) return CorruptEntries("bad person count");
  out.upserts.resize(count);
  for (PersonEntry& e : out.upserts) {
    if (!ReadEntry(r, e)) return CorruptEntries("truncated person entry");
  }
  const auto removed = r.Get<std::uint32_t>();
  if (!r.ok() || removed > payload.size() / 8) return CorruptEntries("bad removal count");
  out.removed.resize(removed);
  for (std::int64_t& id : out.removed) id = r.Get<std::int64_t>();
  if (!r.ok() || !r.done()) return CorruptEntries("truncated or trailing bytes");
  return out;
}

Bytes DictionaryPayload(std::uint32_t dict_id, ByteSpan dictionary) {
  Bytes out;
  out.reserve(4 + dictionary.size());
  Put(out, dict_id);
  out.insert(out.end(), dictionary.begin(), dictionary.end());
  return out;
}

Result<std::pair<std::uint32_t, Bytes>> DecodeDictionaryPayload(ByteSpan payload) {
  Reader r(payload);
  const auto id = r.Get<std::uint32_t>();
  if (!r.ok() || id == 0 || payload.size() < 12) return CorruptEntries("bad dictionary object");
  const ByteSpan dict = payload.subspan(4);
  return std::make_pair(id, Bytes(dict.begin(), dict.end()));
}

}  // namespace akari::sync::publication
