#include "sync/person_document.h"

#include <array>
#include <bit>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sync/compression.h"
#include "sync/document_dictionary.h"
#include "sync/errors.h"
#include "sync/insurer_number.h"
#include "sync/record_json.h"

namespace akari::sync {
namespace {

// The direct decoder (DecodePersonDocumentBodyFast). Every function returns
// false as soon as the body is anything but what PackPersonDocumentBody
// writes and RecordFromJson accepts; the caller then decodes the body the
// reference way. Limits and checks mirror record_json.cc one for one.

// A MessagePack reader over the types nlohmann::json::to_msgpack writes for
// a record: maps with string keys, arrays, strings, integers, floats, bools
// and nil. Anything else (bin, ext, a truncated value) reads as false.
class MsgpackReader {
 public:
  explicit MsgpackReader(ByteSpan bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool AtEnd() const { return p_ == end_; }
  std::size_t Remaining() const { return static_cast<std::size_t>(end_ - p_); }

  // Consumes a nil (JsonFields treats null as absent).
  bool Nil() {
    if (p_ == end_ || *p_ != 0xc0) return false;
    ++p_;
    return true;
  }

  bool Map(std::size_t& n) { return Header(0x80, 0xde, n); }
  bool Array(std::size_t& n) { return Header(0x90, 0xdc, n); }

  bool Str(std::string_view& s) {
    if (p_ == end_) return false;
    const std::uint8_t b = *p_++;
    std::uint64_t n = 0;
    if ((b & 0xe0) == 0xa0) {
      n = b & 0x1f;
    } else if (b == 0xd9) {
      if (!BigEndian(1, n)) return false;
    } else if (b == 0xda) {
      if (!BigEndian(2, n)) return false;
    } else if (b == 0xdb) {
      if (!BigEndian(4, n)) return false;
    } else {
      return false;
    }
    if (n > Remaining()) return false;
    s = std::string_view(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return true;
  }

  bool Bool(bool& v) {
    if (p_ == end_ || (*p_ != 0xc2 && *p_ != 0xc3)) return false;
    v = *p_++ == 0xc3;
    return true;
  }

  // Any integer format; false for an unsigned value beyond INT64_MAX (which
  // JsonFields would clamp: left to the reference path).
  bool Int(std::int64_t& v) {
    if (p_ == end_) return false;
    const std::uint8_t b = *p_;
    if (b <= 0x7f) {
      v = b;
      ++p_;
      return true;
    }
    if (b >= 0xe0) {
      v = static_cast<std::int8_t>(b);
      ++p_;
      return true;
    }
    if (b < 0xcc || b > 0xd3) return false;
    ++p_;
    const std::size_t width = std::size_t{1} << ((b - 0xcc) & 3);
    std::uint64_t raw = 0;
    if (!BigEndian(width, raw)) return false;
    if (b <= 0xcf) {
      if (raw > static_cast<std::uint64_t>(INT64_MAX)) return false;
      v = static_cast<std::int64_t>(raw);
      return true;
    }
    switch (width) {
      case 1:
        v = static_cast<std::int8_t>(raw);
        break;
      case 2:
        v = static_cast<std::int16_t>(raw);
        break;
      case 4:
        v = static_cast<std::int32_t>(raw);
        break;
      default:
        v = static_cast<std::int64_t>(raw);
        break;
    }
    return true;
  }

  // An integer or a float, as a double (nlohmann's get<double>()).
  bool Number(double& v) {
    if (p_ == end_) return false;
    const std::uint8_t b = *p_;
    std::uint64_t raw = 0;
    if (b == 0xca) {
      ++p_;
      if (!BigEndian(4, raw)) return false;
      v = static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(raw)));
      return true;
    }
    if (b == 0xcb) {
      ++p_;
      if (!BigEndian(8, raw)) return false;
      v = std::bit_cast<double>(raw);
      return true;
    }
    std::int64_t i = 0;
    if (!Int(i)) return false;
    v = static_cast<double>(i);
    return true;
  }

 private:
  bool BigEndian(std::size_t width, std::uint64_t& v) {
    if (width > Remaining()) return false;
    v = 0;
    for (std::size_t i = 0; i < width; ++i) v = (v << 8) | p_[i];
    p_ += width;
    return true;
  }

  bool Header(std::uint8_t fix, std::uint8_t code16, std::size_t& n) {
    if (p_ == end_) return false;
    const std::uint8_t b = *p_++;
    std::uint64_t v = 0;
    if ((b & 0xf0) == fix) {
      v = b & 0x0f;
    } else if (b == code16) {
      if (!BigEndian(2, v)) return false;
    } else if (b == code16 + 1) {
      if (!BigEndian(4, v)) return false;
    } else {
      return false;
    }
    // Every element takes at least one byte (a map entry two).
    if (v > Remaining()) return false;
    n = static_cast<std::size_t>(v);
    return true;
  }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// The keys of one object type; a key's index is its bit in the masks.
template <std::size_t N>
int KeyIndex(const std::array<std::string_view, N>& keys, std::string_view key) {
  for (std::size_t i = 0; i < N; ++i) {
    if (keys[i] == key) return static_cast<int>(i);
  }
  return -1;
}

// Reads the members of a map, calling field(index, reader) for each present
// (non-nil) member; fails on an unknown or repeated key and when a member of
// `required` (a mask of key indexes) is absent.
template <std::size_t N, typename Field>
bool ReadObject(MsgpackReader& r, const std::array<std::string_view, N>& keys, std::uint32_t required, Field&& field) {
  static_assert(N <= 32);
  std::size_t n = 0;
  if (!r.Map(n)) return false;
  std::uint32_t seen = 0;
  std::uint32_t present = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view key;
    if (!r.Str(key)) return false;
    const int k = KeyIndex(keys, key);
    if (k < 0) return false;
    const std::uint32_t bit = std::uint32_t{1} << k;
    if ((seen & bit) != 0) return false;
    seen |= bit;
    if (r.Nil()) continue;
    present |= bit;
    if (!field(k, r)) return false;
  }
  return (present & required) == required;
}

template <std::size_t N>
constexpr std::uint32_t Mask(const std::array<std::string_view, N>& keys,
                             std::initializer_list<std::string_view> names) {
  std::uint32_t mask = 0;
  for (std::string_view name : names) {
    for (std::size_t i = 0; i < N; ++i) {
      if (keys[i] == name) mask |= std::uint32_t{1} << i;
    }
  }
  return mask;
}

bool Text(MsgpackReader& r, std::string& out, std::size_t max_bytes) {
  std::string_view s;
  if (!r.Str(s) || s.size() > max_bytes) return false;
  out.assign(s);
  return true;
}

// An empty date is no date where the field is optional, and refused where
// it is required, as RecordFromJson does.
bool ReadDateValue(MsgpackReader& r, Date& out, bool required) {
  std::string_view s;
  if (!r.Str(s) || s.size() > 16) return false;
  if (s.empty()) {
    out = 0;
    return !required;
  }
  out = ParseDate(s);
  return out != 0;
}

bool IntIn(MsgpackReader& r, std::int64_t min, std::int64_t max, std::int64_t& out) {
  return r.Int(out) && out >= min && out <= max;
}

// Lookup() of record_json.cc: one of the names `name_of` gives `values`.
template <typename E, std::size_t N>
bool EnumValue(MsgpackReader& r, const std::array<E, N>& values, std::string_view (*name_of)(E), E& out) {
  std::string_view s;
  if (!r.Str(s) || s.size() > 1024) return false;
  for (E v : values) {
    if (name_of(v) == s) {
      out = v;
      return true;
    }
  }
  return false;
}

constexpr std::array<Scheme, 7> kSchemeValues = {Scheme::kKyokaiKenpo, Scheme::kKenpoKumiai,  Scheme::kKyosai,
                                                 Scheme::kKokuho,      Scheme::kKokuhoKumiai, Scheme::kKoki,
                                                 Scheme::kOther};
constexpr std::array<DispensingSource, 3> kSourceValues = {DispensingSource::kClaims, DispensingSource::kEPrescription,
                                                           DispensingSource::kLocal};
constexpr std::array<SpecificDisease, 3> kDiseaseValues = {SpecificDisease::kDialysis, SpecificDisease::kHemophilia,
                                                           SpecificDisease::kHiv};

// Reads an array of at most `max_items` objects with read(reader, item).
template <typename T, typename Read>
bool ReadList(MsgpackReader& r, std::size_t max_items, std::vector<T>& out, Read&& read) {
  std::size_t n = 0;
  if (!r.Array(n) || n > max_items) return false;
  out.resize(n);
  for (T& item : out) {
    if (!read(r, item)) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 4> kAddressKeys = {"postal_code", "prefecture", "municipality", "rest"};

bool ReadAddress(MsgpackReader& r, Address& a) {
  return ReadObject(r, kAddressKeys, 0, [&](int k, MsgpackReader& v) {
    switch (k) {
      case 0:
        return Text(v, a.postal_code, 16);
      case 1:
        return Text(v, a.prefecture, 32);
      case 2:
        return Text(v, a.municipality, 100);
      default:
        return Text(v, a.rest, 300);
    }
  });
}

constexpr std::array<std::string_view, 12> kCoverageKeys = {
    "insurer_number", "insurer_name", "scheme",   "symbol",      "number",        "branch",
    "relationship",   "valid_from",   "valid_to", "loss_reason", "copay_percent", "high_cost_category"};
constexpr std::uint32_t kCoverageRequired =
    Mask(kCoverageKeys, {"insurer_number", "scheme", "number", "relationship", "valid_from", "copay_percent"});

bool ReadCoverageFast(MsgpackReader& r, Coverage& c) {
  std::int64_t i = 0;
  const bool read = ReadObject(r, kCoverageKeys, kCoverageRequired, [&](int k, MsgpackReader& v) {
    switch (k) {
      case 0:
        return Text(v, c.insurer_number, 16);
      case 1:
        return Text(v, c.insurer_name, 200);
      case 2:
        return EnumValue(v, kSchemeValues, &SchemeName, c.scheme);
      case 3:
        return Text(v, c.symbol, 64);
      case 4:
        return Text(v, c.number, 64);
      case 5:
        return Text(v, c.branch, 8);
      case 6:
        if (!IntIn(v, 1, 2, i)) return false;
        c.relationship = static_cast<Relationship>(i);
        return true;
      case 7:
        return ReadDateValue(v, c.valid_from, true);
      case 8:
        return ReadDateValue(v, c.valid_to, false);
      case 9:
        if (!IntIn(v, 0, 99, i) || (i != 0 && i != 1 && i != 2 && i != 3 && i != 99)) return false;
        c.loss_reason = static_cast<LossReason>(i);
        return true;
      case 10:
        if (!IntIn(v, 0, 30, i) || (i != 0 && i != 10 && i != 20 && i != 30)) return false;
        c.copay_percent = static_cast<int>(i);
        return true;
      default:
        return Text(v, c.high_cost_category, 32);
    }
  });
  if (!read) return false;
  c.insurer_number = NormalizeDigits(c.insurer_number);
  if (CheckInsurerNumber(c.insurer_number) != InsurerNumberProblem::kNone) return false;
  if (!c.branch.empty()) {
    c.branch = NormalizeDigits(c.branch);
    if (!c.branch.empty() && (c.branch.size() != 2 || c.branch.find_first_not_of("0123456789") != std::string::npos)) {
      return false;
    }
  }
  return c.valid_to == 0 || c.valid_to > c.valid_from;
}

constexpr std::array<std::string_view, 3> kDiseaseKeys = {"disease", "valid_from", "valid_to"};

bool ReadDiseaseFast(MsgpackReader& r, SpecificDiseaseCertificate& c) {
  return ReadObject(r, kDiseaseKeys, Mask(kDiseaseKeys, {"disease", "valid_from"}), [&](int k, MsgpackReader& v) {
    switch (k) {
      case 0:
        return EnumValue(v, kDiseaseValues, &SpecificDiseaseName, c.disease);
      case 1:
        return ReadDateValue(v, c.valid_from, true);
      default:
        return ReadDateValue(v, c.valid_to, false);
    }
  });
}

constexpr std::array<std::string_view, 16> kDispensingKeys = {
    "date",          "prescribed_date", "pharmacy_code", "pharmacy_name", "prescriber_code", "prescriber_name",
    "yj_code",       "drug_name",       "ingredient",    "strength",      "quantity",        "unit",
    "days_or_times", "route",           "usage",         "source"};
constexpr std::uint32_t kDispensingRequired = Mask(kDispensingKeys, {"date", "drug_name", "source"});

bool ReadDispensingFast(MsgpackReader& r, Dispensing& d) {
  std::int64_t i = 0;
  return ReadObject(r, kDispensingKeys, kDispensingRequired, [&](int k, MsgpackReader& v) {
    switch (k) {
      case 0:
        return ReadDateValue(v, d.date, true);
      case 1:
        return ReadDateValue(v, d.prescribed_date, false);
      case 2:
        return Text(v, d.pharmacy_code, 16);
      case 3:
        return Text(v, d.pharmacy_name, 200);
      case 4:
        return Text(v, d.prescriber_code, 16);
      case 5:
        return Text(v, d.prescriber_name, 200);
      case 6:
        return Text(v, d.yj_code, 16);
      case 7:
        return Text(v, d.drug_name, 200);
      case 8:
        return Text(v, d.ingredient, 200);
      case 9:
        return Text(v, d.strength, 64);
      case 10:
        return v.Number(d.quantity) && d.quantity >= 0 && d.quantity <= 1e6;
      case 11:
        return Text(v, d.unit, 32);
      case 12:
        if (!IntIn(v, 0, 1000, i)) return false;
        d.days_or_times = static_cast<int>(i);
        return true;
      case 13:
        if (!IntIn(v, 21, 24, i)) return false;
        d.route = static_cast<Route>(i);
        return true;
      case 14:
        return Text(v, d.usage, 400);
      default:
        return EnumValue(v, kSourceValues, &DispensingSourceName, d.source);
    }
  });
}

constexpr std::array<std::string_view, 6> kItemKeys = {"code", "name", "value", "unit", "reference", "abnormal"};

bool ReadItemFast(MsgpackReader& r, CheckupItem& item) {
  return ReadObject(r, kItemKeys, Mask(kItemKeys, {"code", "name", "value"}), [&](int k, MsgpackReader& v) {
    switch (k) {
      case 0:
        return Text(v, item.code, 32);
      case 1:
        return Text(v, item.name, 200);
      case 2:
        return Text(v, item.value, 64);
      case 3:
        return Text(v, item.unit, 32);
      case 4:
        return Text(v, item.reference, 64);
      default:
        return v.Bool(item.abnormal);
    }
  });
}

constexpr std::array<std::string_view, 4> kCheckupKeys = {"date", "facility_name", "judgement", "items"};

bool ReadCheckupFast(MsgpackReader& r, Checkup& c) {
  return ReadObject(r, kCheckupKeys, Mask(kCheckupKeys, {"date"}), [&](int k, MsgpackReader& v) {
    switch (k) {
      case 0:
        return ReadDateValue(v, c.date, true);
      case 1:
        return Text(v, c.facility_name, 200);
      case 2:
        return Text(v, c.judgement, 400);
      default:
        return ReadList(v, 500, c.items, ReadItemFast);
    }
  });
}

// card_links is not among them: a body never carries it (a record that
// does goes the reference way).
constexpr std::array<std::string_view, 10> kPersonKeys = {"id",          "name",    "name_kana", "birth_date",
                                                          "sex",         "address", "coverages", "specific_diseases",
                                                          "dispensings", "checkups"};
constexpr std::uint32_t kPersonRequired = Mask(kPersonKeys, {"id", "name", "name_kana", "birth_date", "sex"});

}  // namespace

Bytes PackPersonDocumentBody(const PersonRecord& record) {
  return PackPersonDocumentBody(RecordToJson(record));
}

Bytes PackPersonDocumentBody(nlohmann::json record_json) {
  record_json.erase("card_links");
  return nlohmann::json::to_msgpack(record_json);
}

Result<Bytes> EncodePersonDocument(const PersonRecord& record, const DocumentDictionary& dictionary) {
  return EncodePersonDocumentBody(PackPersonDocumentBody(record), dictionary);
}

Result<Bytes> EncodePersonDocumentBody(ByteSpan body, const DocumentDictionary& dictionary) {
  AKARI_ASSIGN_OR_RETURN(Bytes frame, dictionary.Compress(body));
  Bytes out;
  out.reserve(frame.size() + 1);
  out.push_back(kPersonDocumentFormatDictionary);
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

std::uint32_t PersonDocumentDictionaryId(ByteSpan document) {
  if (document.size() < 2 || document[0] != kPersonDocumentFormatDictionary) return 0;
  return FrameDictionaryId(document.subspan(1));
}

Result<Bytes> EncodePersonDocument(const PersonRecord& record) {
  return EncodePersonDocumentBody(PackPersonDocumentBody(record));
}

Result<Bytes> EncodePersonDocumentBody(ByteSpan body) {
  AKARI_ASSIGN_OR_RETURN(Bytes frame, ZstdCompress(body));
  Bytes out;
  out.reserve(frame.size() + 1);
  out.push_back(kPersonDocumentFormat);
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

Result<PersonRecord> DecodePersonDocument(ByteSpan document) {
  return DecodePersonDocument(document, nullptr);
}

Result<PersonRecord> DecodePersonDocument(ByteSpan document, const DocumentDictionary* dictionary) {
  const bool with_dictionary = !document.empty() && document[0] == kPersonDocumentFormatDictionary;
  if (document.empty() || (document[0] != kPersonDocumentFormat && !with_dictionary)) {
    return MakeError(SyncErrc::kCorruptDocument,
                     document.empty() ? "empty person document"
                                      : "person document has unknown format " + std::to_string(document[0]));
  }
  if (with_dictionary && (dictionary == nullptr || dictionary->id() != PersonDocumentDictionaryId(document))) {
    return MakeError(SyncErrc::kCorruptDocument, "person document needs compression dictionary " +
                                                     std::to_string(PersonDocumentDictionaryId(document)) +
                                                     ", which is missing; sync again to fetch it");
  }
  const auto packed = with_dictionary ? dictionary->Decompress(document.subspan(1), kMaxPersonDocumentBytes)
                                      : ZstdDecompress(document.subspan(1), kMaxPersonDocumentBytes);
  if (!packed) return MakeError(SyncErrc::kCorruptDocument, "person document: " + packed.error().message);
  return DecodePersonDocumentBody(*packed);
}

std::optional<PersonRecord> DecodePersonDocumentBodyFast(ByteSpan body) {
  MsgpackReader r(body);
  PersonRecord record;
  Person& p = record.person;
  std::int64_t i = 0;
  const bool read = ReadObject(r, kPersonKeys, kPersonRequired, [&](int k, MsgpackReader& v) {
    switch (k) {
      case 0:
        return IntIn(v, 1, INT64_MAX, p.id);
      case 1:
        return Text(v, p.name, 200);
      case 2:
        return Text(v, p.name_kana, 200);
      case 3:
        return ReadDateValue(v, p.birth_date, true);
      case 4:
        if (!IntIn(v, 1, 3, i)) return false;
        p.sex = static_cast<Sex>(i);
        return true;
      case 5:
        return ReadAddress(v, p.address);
      case 6:
        return ReadList(v, 200, record.coverages, ReadCoverageFast);
      case 7:
        return ReadList(v, 20, record.specific_diseases, ReadDiseaseFast);
      case 8:
        return ReadList(v, 20000, record.dispensings, ReadDispensingFast);
      default:
        return ReadList(v, 100, record.checkups, ReadCheckupFast);
    }
  });
  // nlohmann's strict mode refuses trailing bytes.
  if (!read || !r.AtEnd() || p.name.empty() || p.name_kana.empty()) return std::nullopt;
  return record;
}

Result<PersonRecord> DecodePersonDocumentBodyReference(ByteSpan body) {
  const nlohmann::json j =
      nlohmann::json::from_msgpack(body.begin(), body.end(), /*strict=*/true, /*allow_exceptions=*/false);
  if (j.is_discarded()) return MakeError(SyncErrc::kCorruptDocument, "person document is not valid MessagePack");
  return RecordFromJson(j);
}

Result<PersonRecord> DecodePersonDocumentBody(ByteSpan body) {
  if (auto record = DecodePersonDocumentBodyFast(body)) return std::move(*record);
  return DecodePersonDocumentBodyReference(body);
}

}  // namespace akari::sync
