#include "sync/hub/import.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "crypto/hash.h"
#include "crypto/openssl.h"
#include "crypto/x509_verify.h"
#include "sync/document_dictionary.h"
#include "sync/errors.h"
#include "sync/hub/documents.h"
#include "sync/index_keys.h"
#include "sync/person_document.h"
#include "sync/publication/entries.h"
#include "sync/record_json.h"
#include "sync/zstd_lines.h"

namespace akari::sync::hub {
namespace {

struct RegionInfo {
  std::string region;
  Date as_of = 0;
};

Result<RegionInfo> ReadRegionInfo(const std::filesystem::path& dir) {
  const auto file = dir / "region.json";
  auto bytes = ReadFileBytes(file, 1 << 20);
  if (!bytes) return MakeError(SyncErrc::kIo, bytes.error().message + " (is " + dir.string() + " a generated region?)");
  const auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (!j.is_object() || j.value("format", "") != "akari-region" || j.value("version", 0) != 1) {
    return MakeError(SyncErrc::kCorruptDocument, file.string() + " is not an akari-region version 1 description");
  }
  RegionInfo info;
  info.region = j.value("region", "");
  info.as_of = ParseDate(j.value("as_of", ""));
  if (info.region.empty() || info.as_of == 0) {
    return MakeError(SyncErrc::kCorruptDocument, file.string() + " lacks a region or an as_of date");
  }
  return info;
}

struct TrustFile {
  std::string kind;
  Bytes der;
};

// trust/ca*.der are CA certificates, trust/crl*.der revocation lists.
Result<std::vector<TrustFile>> ReadTrust(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir / "trust", ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".der" && (name.starts_with("ca") || name.starts_with("crl")))
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<TrustFile> out;
  for (const auto& f : files) {
    AKARI_ASSIGN_OR_RETURN(Bytes der, ReadFileBytes(f, 256 << 20));
    const bool crl = f.filename().string().starts_with("crl");
    const bool ok = crl ? crypto::ParseCrlDer(der).has_value() : crypto::ParseCertificateDer(der).has_value();
    if (!ok)
      return MakeError(SyncErrc::kCorruptDocument, f.string() + " is not a DER " + (crl ? "CRL" : "certificate"));
    out.push_back({crl ? "crl" : "ca_certificate", std::move(der)});
  }
  if (std::none_of(out.begin(), out.end(), [](const TrustFile& t) { return t.kind == "ca_certificate"; })) {
    return MakeError(SyncErrc::kCorruptDocument,
                     (dir / "trust").string() + " holds no CA certificate (ca.der); card checks would be impossible");
  }
  // The nodes set aside a list they cannot rely on (not signed by these
  // CAs, a delta list, an unprocessed critical extension) and treat one
  // without nextUpdate as stale: say so here, where it can be fixed.
  std::vector<Bytes> cas, crls;
  for (const TrustFile& t : out) (t.kind == "crl" ? crls : cas).push_back(t.der);
  if (auto anchors = crypto::TrustAnchors::Build(cas, crls)) {
    for (const std::string& problem : anchors->problems()) {
      Log(LogLevel::kWarn, "hub.trust_problem", {{"trust_dir", (dir / "trust").string()}, {"problem", problem}});
    }
  }
  return out;
}

class Importer {
 public:
  // `reference_region` is "" for the hub's own region.
  Importer(HubStore& store, const ImportOptions& options, Date as_of, Date previous_as_of, std::string reference_region)
      : store_(store),
        options_(options),
        as_of_(as_of),
        previous_as_of_(previous_as_of),
        reference_region_(std::move(reference_region)) {}

  Status Prepare() {
    db::Database& d = store_.database();
    AKARI_ASSIGN_OR_RETURN(find_, d.Prepare("SELECT record_hash, entry_hash, entry FROM person WHERE id = ?"));
    AKARI_ASSIGN_OR_RETURN(insert_, d.Prepare("INSERT OR REPLACE INTO person(id, record_hash, card_links, entry, "
                                              "entry_hash, changed_in, region) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    AKARI_ASSIGN_OR_RETURN(update_entry_, d.Prepare("UPDATE person SET entry = ?, entry_hash = ? WHERE id = ?"));
    AKARI_ASSIGN_OR_RETURN(del_card_, d.Prepare("DELETE FROM person_card WHERE person_id = ?"));
    AKARI_ASSIGN_OR_RETURN(del_ins_, d.Prepare("DELETE FROM person_insurance WHERE person_id = ?"));
    AKARI_ASSIGN_OR_RETURN(del_name_, d.Prepare("DELETE FROM person_name WHERE person_id = ?"));
    AKARI_ASSIGN_OR_RETURN(ins_card_, d.Prepare("INSERT OR IGNORE INTO person_card(key, person_id) VALUES (?, ?)"));
    AKARI_ASSIGN_OR_RETURN(ins_ins_, d.Prepare("INSERT OR IGNORE INTO person_insurance(key, person_id) VALUES (?, ?)"));
    AKARI_ASSIGN_OR_RETURN(
        ins_name_, d.Prepare("INSERT OR IGNORE INTO person_name(birth_date, kana, person_id) VALUES (?, ?, ?)"));
    AKARI_ASSIGN_OR_RETURN(change_,
                           d.Prepare("INSERT INTO person_change(import_id, person_id, change) VALUES (?, ?, ?)"));
    return {};
  }

  void SetDictionary(std::shared_ptr<const DocumentDictionary> dict, bool is_new) {
    dictionary_ = std::move(dict);
    dictionary_is_new_ = is_new;
  }
  void SetImportId(std::int64_t id) { import_id_ = id; }

  Status Add(const PersonRecord& record) {
    if (record.person.id <= last_id_) {
      return MakeError(SyncErrc::kCorruptDocument, "person " + std::to_string(record.person.id) +
                                                       " is out of order: persons must come in ascending id order");
    }
    if (reference_region_.empty() && record.person.id >= kReferenceIdBase) {
      return MakeError(SyncErrc::kCorruptDocument, "person id " + std::to_string(record.person.id) +
                                                       " is too large: ids from " + std::to_string(kReferenceIdBase) +
                                                       " up are reserved for reference records of other regions");
    }
    last_id_ = record.person.id;
    seen_.push_back(record.person.id);
    ++summary_.persons;
    // One tree serves the record's hash and, when the document must be
    // written again, its body.
    nlohmann::json full = RecordToJson(record);
    const crypto::Hash32 record_hash = crypto::Blake2b256(nlohmann::json::to_msgpack(full));
    find_.Bind(1, record.person.id);
    AKARI_ASSIGN_OR_RETURN(bool exists, find_.Step());
    Bytes old_record_hash, old_entry_hash, old_entry;
    if (exists) {
      const ByteSpan a = find_.ColumnBlob(0), b = find_.ColumnBlob(1), c = find_.ColumnBlob(2);
      old_record_hash.assign(a.begin(), a.end());
      old_entry_hash.assign(b.begin(), b.end());
      old_entry.assign(c.begin(), c.end());
      find_.Reset();
    }
    const bool record_same = exists && ByteSpan(old_record_hash).size() == record_hash.size() &&
                             std::equal(record_hash.begin(), record_hash.end(), old_record_hash.begin());
    if (record_same && as_of_ == previous_as_of_ && !dictionary_is_new_) {
      ++summary_.unchanged;
      return {};
    }
    Bytes document;
    std::string card_links = "[]";
    if (record_same && !dictionary_is_new_) {
      // Only the date moved: the document stays, the index is derived again.
      AKARI_ASSIGN_OR_RETURN(publication::PersonEntry previous, publication::DecodePersonEntry(old_entry));
      document = std::move(previous.document);
    } else {
      if (full.contains("card_links")) card_links = full["card_links"].dump();
      const Bytes body = PackPersonDocumentBody(std::move(full));
      AKARI_ASSIGN_OR_RETURN(
          document, dictionary_ ? EncodePersonDocumentBody(body, *dictionary_) : EncodePersonDocumentBody(body));
    }
    publication::PersonEntry entry{record.person.id, std::move(document), DeriveIndexEntries(record, as_of_)};
    AKARI_ASSIGN_OR_RETURN(Bytes encoded, publication::EncodePersonEntry(entry));
    const crypto::Hash32 entry_hash = crypto::Blake2b256(encoded);
    if (record_same) {
      if (std::equal(entry_hash.begin(), entry_hash.end(), old_entry_hash.begin(), old_entry_hash.end())) {
        ++summary_.unchanged;
        return {};
      }
      ++summary_.reindexed;
      AKARI_TRY(update_entry_.BindBlob(1, encoded).BindBlob(2, entry_hash).Bind(3, record.person.id).Run());
      return ReplaceIndex(entry);
    }
    insert_.Bind(1, record.person.id)
        .BindBlob(2, record_hash)
        .Bind(3, card_links)
        .BindBlob(4, encoded)
        .BindBlob(5, entry_hash)
        .Bind(6, import_id_);  // values are copied (SQLITE_TRANSIENT)
    if (reference_region_.empty()) {
      insert_.BindNull(7);
    } else {
      insert_.Bind(7, reference_region_);
    }
    AKARI_TRY(insert_.Run());
    AKARI_TRY(change_.Bind(1, import_id_).Bind(2, record.person.id).Bind(3, exists ? "changed" : "added").Run());
    ++(exists ? summary_.changed : summary_.added);
    return ReplaceIndex(entry);
  }

  // Removes every stored person of the imported region the input did not
  // mention.
  Status RemoveUnseen() {
    AKARI_ASSIGN_OR_RETURN(db::Statement all,
                           store_.database().Prepare("SELECT id FROM person WHERE region IS ? ORDER BY id"));
    if (reference_region_.empty()) {
      all.BindNull(1);
    } else {
      all.Bind(1, reference_region_);
    }
    std::vector<std::int64_t> gone;
    auto it = seen_.begin();
    for (;;) {
      AKARI_ASSIGN_OR_RETURN(bool row, all.Step());
      if (!row) break;
      const std::int64_t id = all.ColumnInt(0);
      while (it != seen_.end() && *it < id) ++it;
      if (it == seen_.end() || *it != id) gone.push_back(id);
    }
    AKARI_ASSIGN_OR_RETURN(db::Statement del, store_.database().Prepare("DELETE FROM person WHERE id = ?"));
    for (std::int64_t id : gone) {
      AKARI_TRY(del.Bind(1, id).Run());
      AKARI_TRY(change_.Bind(1, import_id_).Bind(2, id).Bind(3, "removed").Run());
    }
    summary_.removed = static_cast<std::int64_t>(gone.size());
    return {};
  }

  ImportSummary& summary() { return summary_; }

 private:
  Status ReplaceIndex(const publication::PersonEntry& e) {
    AKARI_TRY(del_card_.Bind(1, e.id).Run());
    AKARI_TRY(del_ins_.Bind(1, e.id).Run());
    AKARI_TRY(del_name_.Bind(1, e.id).Run());
    for (const auto& k : e.index.card_keys) AKARI_TRY(ins_card_.BindBlob(1, k).Bind(2, e.id).Run());
    for (const auto& k : e.index.insurance_keys) AKARI_TRY(ins_ins_.BindBlob(1, k).Bind(2, e.id).Run());
    for (const auto& k : e.index.name_keys) {
      AKARI_TRY(ins_name_.Bind(1, std::int64_t{k.birth_date}).Bind(2, k.kana).Bind(3, e.id).Run());
    }
    return {};
  }

  HubStore& store_;
  const ImportOptions& options_;
  Date as_of_;
  Date previous_as_of_;
  std::string reference_region_;
  std::shared_ptr<const DocumentDictionary> dictionary_;
  bool dictionary_is_new_ = false;
  std::int64_t import_id_ = 0;
  std::int64_t last_id_ = 0;
  std::vector<std::int64_t> seen_;
  ImportSummary summary_;
  db::Statement find_, insert_, update_entry_, del_card_, del_ins_, del_name_, ins_card_, ins_ins_, ins_name_, change_;
};

Result<PersonRecord> ParseLine(const std::string& line, std::int64_t line_no) {
  const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return MakeError(SyncErrc::kInvalidRecord,
                     "persons.ndjson.zst line " + std::to_string(line_no) + " is not valid JSON; nothing was imported");
  }
  auto record = RecordFromJson(j);
  if (!record) {
    return MakeError(SyncErrc::kInvalidRecord, "persons.ndjson.zst line " + std::to_string(line_no) + ": " +
                                                   record.error().message + "; nothing was imported");
  }
  return std::move(*record);
}

// The hub's own trust material (`reference_region` ""): CA certificates
// and revocation lists. A reference region's: its revocation lists only,
// never a CA certificate (trust anchors come from the hub's own region;
// a node keeps a list only if one of those CAs signed it).
Status ReplaceTrust(HubStore& store, const std::vector<TrustFile>& trust, const std::string& reference_region) {
  db::Database& db = store.database();
  if (reference_region.empty()) {
    AKARI_TRY(db.Exec("DELETE FROM trust_item WHERE region IS NULL"));
  } else {
    AKARI_ASSIGN_OR_RETURN(db::Statement drop, db.Prepare("DELETE FROM trust_item WHERE region = ?"));
    AKARI_TRY(drop.Bind(1, reference_region).Run());
  }
  AKARI_ASSIGN_OR_RETURN(db::Statement s, db.Prepare("INSERT INTO trust_item(kind, der, region) VALUES (?, ?, ?)"));
  for (const TrustFile& t : trust) {
    if (!reference_region.empty() && t.kind != "crl") continue;
    s.Bind(1, t.kind).BindBlob(2, t.der);
    if (reference_region.empty()) {
      s.BindNull(3);
    } else {
      s.Bind(3, reference_region);
    }
    AKARI_TRY(s.Run());
  }
  return {};
}

// One more than the highest dictionary id ever stored (1 for the first).
Result<std::uint32_t> NextDictionaryId(HubStore& store) {
  AKARI_ASSIGN_OR_RETURN(std::int64_t highest,
                         store.database().QueryInt("SELECT coalesce(max(id), 0) FROM dictionary"));
  if (highest < 0 || highest >= std::int64_t{std::numeric_limits<std::uint32_t>::max()}) {
    return MakeError(SyncErrc::kCorruptDocument, "the hub database holds document dictionary id " +
                                                     std::to_string(highest) +
                                                     ", after which no id is free: it is damaged");
  }
  return static_cast<std::uint32_t>(highest + 1);
}

int CountCrls(const std::vector<TrustFile>& trust) {
  return static_cast<int>(
      std::count_if(trust.begin(), trust.end(), [](const TrustFile& t) { return t.kind == "crl"; }));
}

}  // namespace

std::int64_t ReferencePersonId(int region, std::int64_t id) {
  return std::int64_t{region} * kReferenceIdBase + id;
}

Result<ImportSummary> ImportRegion(HubStore& store, const std::filesystem::path& dir, const ImportOptions& options,
                                   const Clock& clock) {
  AKARI_ASSIGN_OR_RETURN(RegionInfo info, ReadRegionInfo(dir));
  AKARI_ASSIGN_OR_RETURN(std::string region, store.Region());
  int reference_code = 0;
  if (options.reference) {
    if (info.region == region) {
      return MakeError(SyncErrc::kWrongRegion, dir.string() + " holds region " + region +
                                                   ", this hub's own region: import it without --reference");
    }
    const auto code = ParseInt64(info.region);
    if (info.region.size() != 2 || !code || *code < 1 || *code > 47) {
      return MakeError(SyncErrc::kWrongRegion, dir.string() + " holds region '" + info.region +
                                                   "'; reference records need a prefecture code 01-47");
    }
    reference_code = static_cast<int>(*code);
  } else if (info.region != region) {
    return MakeError(SyncErrc::kWrongRegion, dir.string() + " holds region " + info.region + " but this hub serves " +
                                                 region +
                                                 "; nothing was imported (records of another region go in "
                                                 "with --reference)");
  }
  AKARI_ASSIGN_OR_RETURN(std::vector<TrustFile> trust, ReadTrust(dir));
  AKARI_ASSIGN_OR_RETURN(ZstdLineReader reader, ZstdLineReader::Open(dir / "persons.ndjson.zst"));

  AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(store.database()));
  AKARI_ASSIGN_OR_RETURN(auto previous_as_of_text, store.GetMeta(meta::kAsOf));
  AKARI_ASSIGN_OR_RETURN(auto dict_text, store.GetMeta(meta::kDictionaryId));
  const Date previous_as_of = static_cast<Date>(previous_as_of_text ? ParseInt64(*previous_as_of_text).value_or(0) : 0);
  const auto current_dict = static_cast<std::uint32_t>(dict_text ? ParseInt64(*dict_text).value_or(0) : 0);

  AKARI_ASSIGN_OR_RETURN(
      db::Statement batch,
      store.database().Prepare("INSERT INTO import_batch(imported_at, source, as_of, persons, "
                               "added, changed, removed, reindexed) VALUES (?, ?, ?, 0, 0, 0, 0, 0)"));
  AKARI_TRY(batch.Bind(1, ToUnixSeconds(clock.Now())).Bind(2, dir.string()).Bind(3, std::int64_t{info.as_of}).Run());
  const std::int64_t import_id = store.database().LastInsertRowId();

  Importer importer(store, options, info.as_of, previous_as_of, options.reference ? info.region : std::string());
  AKARI_TRY(importer.Prepare());
  importer.SetImportId(import_id);

  // The first records are held back when a dictionary must be trained on them.
  // Reference records use whatever dictionary the hub has: training on
  // them would re-encode the region's own documents for nothing.
  const bool train = !options.reference && !options.no_dictionary && (current_dict == 0 || options.retrain_dictionary);
  std::vector<PersonRecord> held;
  std::int64_t line_no = 0;
  auto feed = [&](const PersonRecord& record) -> Status {
    AKARI_TRY(importer.Add(record));
    if (options.progress && importer.summary().persons % 5000 == 0) options.progress(importer.summary().persons);
    return {};
  };
  auto start_encoding = [&]() -> Status {
    std::uint32_t dict_id = options.no_dictionary ? 0 : current_dict;
    bool is_new = options.no_dictionary && current_dict != 0;
    if (train && !held.empty()) {
      std::vector<Bytes> samples;
      samples.reserve(held.size());
      for (const PersonRecord& r : held) samples.push_back(PackPersonDocumentBody(r));
      // Ids are never reused: an import without a dictionary leaves the
      // stored id at 0 while dictionary 1 and later stay in the table
      // (reference records and nodes may still use them).
      AKARI_ASSIGN_OR_RETURN(dict_id, NextDictionaryId(store));
      auto trained = TrainDocumentDictionary(samples, dict_id);
      if (trained) {
        AKARI_ASSIGN_OR_RETURN(db::Statement s, store.database().Prepare(
                                                    "INSERT INTO dictionary(id, bytes, created_at) VALUES (?, ?, ?)"));
        AKARI_TRY(s.Bind(1, std::int64_t{dict_id}).BindBlob(2, *trained).Bind(3, ToUnixSeconds(clock.Now())).Run());
        importer.summary().dictionary_trained = true;
        is_new = true;
      } else {
        dict_id = current_dict;  // too few records to train on: keep what there is
      }
    }
    if (dict_id != 0) {
      AKARI_ASSIGN_OR_RETURN(auto dict, LoadDictionary(store, dict_id, options.document_level));
      importer.SetDictionary(std::move(dict), is_new);
    } else {
      importer.SetDictionary(nullptr, is_new);
    }
    importer.summary().dictionary_id = dict_id;
    // The stored id is the one the region's own documents use, and what the
    // publisher lists for nodes. A reference import encodes only its own
    // records (with dict_id, which the hub decodes by the id in each
    // document) and leaves the region's documents as they are, so it must
    // leave the id too.
    if (!options.reference) AKARI_TRY(store.SetMeta(meta::kDictionaryId, std::to_string(dict_id)));
    for (const PersonRecord& r : held) AKARI_TRY(feed(r));
    held.clear();
    held.shrink_to_fit();
    return {};
  };
  bool encoding = !train;
  if (encoding) AKARI_TRY(start_encoding());
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(std::optional<std::string> line, reader.Next());
    if (!line) break;
    ++line_no;
    if (line->empty()) continue;
    AKARI_ASSIGN_OR_RETURN(PersonRecord record, ParseLine(*line, line_no));
    if (options.reference) {
      if (record.person.id >= kReferenceIdBase) {
        return MakeError(SyncErrc::kCorruptDocument, "persons.ndjson.zst line " + std::to_string(line_no) +
                                                         ": person id " + std::to_string(record.person.id) +
                                                         " is too large for a reference record; nothing was imported");
      }
      record.person.id = ReferencePersonId(reference_code, record.person.id);
    }
    if (!encoding) {
      held.push_back(std::move(record));
      if (held.size() >= options.dictionary_samples) {
        encoding = true;
        AKARI_TRY(start_encoding());
      }
      continue;
    }
    AKARI_TRY(feed(record));
  }
  if (!encoding) AKARI_TRY(start_encoding());
  AKARI_TRY(importer.RemoveUnseen());
  AKARI_TRY(ReplaceTrust(store, trust, options.reference ? info.region : std::string()));
  if (!options.reference) AKARI_TRY(store.SetMeta(meta::kAsOf, std::to_string(info.as_of)));
  ImportSummary summary = importer.summary();
  if (options.reference) summary.reference_region = info.region;
  summary.import_id = import_id;
  summary.as_of = info.as_of;
  summary.trust_items = options.reference ? CountCrls(trust) : static_cast<int>(trust.size());
  AKARI_ASSIGN_OR_RETURN(db::Statement done,
                         store.database().Prepare("UPDATE import_batch SET persons = ?, added = ?, changed = ?, "
                                                  "removed = ?, reindexed = ? WHERE id = ?"));
  AKARI_TRY(done.Bind(1, summary.persons)
                .Bind(2, summary.added)
                .Bind(3, summary.changed)
                .Bind(4, summary.removed)
                .Bind(5, summary.reindexed)
                .Bind(6, import_id)
                .Run());
  AKARI_TRY(tx.Commit());
  return summary;
}

}  // namespace akari::sync::hub
