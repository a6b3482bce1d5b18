#include "node/store/store.h"

#include <map>

#include "base/clock.h"
#include "base/strings.h"
#include "node/store/migrations.h"
#include "sync/db/errors.h"
#include "sync/document_dictionary.h"
#include "sync/person_document.h"

namespace akari::store {
namespace {

constexpr std::string_view kPersonCountKey = "person_count";

}  // namespace

struct Store::Prepared {
  Statement insert_person;
  Statement delete_person;
  Statement insert_card;
  Statement insert_insurance;
  Statement insert_name;
  Statement insert_risk;
  Statement read_person;
  Statement find_card;
  Statement find_insurance;
  Statement find_name;
  Statement find_risk;
  Statement get_meta;
  Statement set_meta;
  Statement get_dictionary;
  std::map<std::uint32_t, std::shared_ptr<const sync::DocumentDictionary>> dictionaries;
};

int CurrentSchemaVersion() {
  return AllMigrations().back().version;
}

Result<Store> Store::Open(const std::filesystem::path& path, ByteSpan key, Options options) {
  AKARI_ASSIGN_OR_RETURN(Database db, db::OpenEncrypted(path, key, options.create));
  Store store(std::move(db));
  AKARI_TRY(store.Migrate());
  auto p = std::make_shared<Prepared>();
  Database& d = store.db_;
  AKARI_ASSIGN_OR_RETURN(p->insert_person, d.Prepare("INSERT INTO person(id, document) VALUES (?, ?)"));
  AKARI_ASSIGN_OR_RETURN(p->delete_person, d.Prepare("DELETE FROM person WHERE id = ?"));
  AKARI_ASSIGN_OR_RETURN(p->insert_card, d.Prepare("INSERT INTO person_card(key, person_id) VALUES (?, ?)"));
  AKARI_ASSIGN_OR_RETURN(p->insert_insurance, d.Prepare("INSERT INTO person_insurance(key, person_id) VALUES (?, ?)"));
  AKARI_ASSIGN_OR_RETURN(p->insert_name,
                         d.Prepare("INSERT INTO person_name(birth_date, kana, person_id) VALUES (?, ?, ?)"));
  AKARI_ASSIGN_OR_RETURN(p->insert_risk, d.Prepare("INSERT INTO person_risk(class, person_id) VALUES (?, ?)"));
  AKARI_ASSIGN_OR_RETURN(p->read_person, d.Prepare("SELECT document FROM person WHERE id = ?"));
  AKARI_ASSIGN_OR_RETURN(p->find_card, d.Prepare("SELECT person_id FROM person_card WHERE key = ? ORDER BY person_id"));
  AKARI_ASSIGN_OR_RETURN(p->find_insurance,
                         d.Prepare("SELECT person_id FROM person_insurance WHERE key = ? ORDER BY person_id"));
  AKARI_ASSIGN_OR_RETURN(p->find_name,
                         d.Prepare("SELECT person_id FROM person_name WHERE birth_date = ? AND kana >= ? AND "
                                   "kana < ? ORDER BY person_id LIMIT ?"));
  AKARI_ASSIGN_OR_RETURN(p->find_risk, d.Prepare("SELECT person_id FROM person_risk WHERE class = ? AND "
                                                 "person_id > ? ORDER BY person_id LIMIT ?"));
  AKARI_ASSIGN_OR_RETURN(p->get_meta, d.Prepare("SELECT value FROM meta WHERE key = ?"));
  AKARI_ASSIGN_OR_RETURN(p->set_meta, d.Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"));
  AKARI_ASSIGN_OR_RETURN(p->get_dictionary, d.Prepare("SELECT dictionary FROM document_dictionary WHERE id = ?"));
  store.prepared_ = std::move(p);
  return store;
}

Result<int> Store::SchemaVersion() {
  AKARI_ASSIGN_OR_RETURN(std::int64_t v, db_.QueryInt("PRAGMA user_version"));
  return static_cast<int>(v);
}

Result<int> Store::Migrate() {
  AKARI_ASSIGN_OR_RETURN(int current, SchemaVersion());
  if (current > CurrentSchemaVersion()) {
    return MakeError(db::DbErrc::kTooNew, "the database " + db_.path().string() + " has schema version " +
                                              std::to_string(current) + " but this program knows only up to " +
                                              std::to_string(CurrentSchemaVersion()) + "; update Akari");
  }
  int applied = 0;
  for (const Migration& m : AllMigrations()) {
    if (m.version <= current) continue;
    AKARI_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    // Another process may have migrated between our read and BEGIN.
    AKARI_ASSIGN_OR_RETURN(current, SchemaVersion());
    if (m.version <= current) continue;
    AKARI_TRY(
        db_.Exec("CREATE TABLE IF NOT EXISTS schema_migration(version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                 "applied_at INTEGER NOT NULL)"));
    AKARI_TRY(db_.Exec(m.sql));
    AKARI_ASSIGN_OR_RETURN(
        Statement rec, db_.Prepare("INSERT INTO schema_migration(version, description, applied_at) VALUES (?, ?, ?)"));
    AKARI_TRY(
        rec.Bind(1, m.version).Bind(2, m.description).Bind(3, ToUnixSeconds(SystemClock::Instance().Now())).Run());
    AKARI_TRY(db_.Exec("PRAGMA user_version = " + std::to_string(m.version)));
    AKARI_TRY(tx.Commit());
    current = m.version;
    ++applied;
  }
  return applied;
}

Status Store::ReplacePersons(std::span<const StoredPerson> persons, std::span<const std::int64_t> removed_ids) {
  AKARI_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  AKARI_TRY(DeletePersons(removed_ids));
  std::vector<std::int64_t> ids;
  ids.reserve(persons.size());
  for (const StoredPerson& p : persons) ids.push_back(p.id);
  AKARI_TRY(DeletePersons(ids));
  AKARI_TRY(InsertPersons(persons));
  return tx.Commit();
}

Status Store::DeletePersons(std::span<const std::int64_t> ids) {
  std::int64_t deleted = 0;
  for (std::int64_t id : ids) {
    AKARI_TRY(prepared_->delete_person.Bind(1, id).Run());
    deleted += db_.Changes();
  }
  if (deleted == 0) return {};
  AKARI_ASSIGN_OR_RETURN(auto count, GetMeta(kPersonCountKey));
  const std::int64_t before = count ? ParseInt64(*count).value_or(0) : 0;
  return SetMeta(kPersonCountKey, std::to_string(before - deleted));
}

Status Store::DeleteAllPersons() {
  // Children first: with foreign keys on, SQLite would otherwise look up
  // every child table once per deleted person.
  AKARI_TRY(
      db_.Exec("DELETE FROM person_card; DELETE FROM person_insurance; DELETE FROM person_name;"
               "DELETE FROM person_risk; DELETE FROM person;"));
  return SetMeta(kPersonCountKey, "0");
}

Status Store::InsertPersons(std::span<const StoredPerson> persons) {
  Prepared& p = *prepared_;
  for (const StoredPerson& person : persons) {
    if (person.id <= 0) return MakeError(db::DbErrc::kInvalidArgument, "person ids must be positive");
    AKARI_TRY(p.insert_person.Bind(1, person.id).BindBlob(2, person.document).Run());
    for (const crypto::Hash16& k : person.index.card_keys) {
      AKARI_TRY(p.insert_card.BindBlob(1, k).Bind(2, person.id).Run());
    }
    for (const crypto::Hash16& k : person.index.insurance_keys) {
      AKARI_TRY(p.insert_insurance.BindBlob(1, k).Bind(2, person.id).Run());
    }
    for (const sync::NameKey& k : person.index.name_keys) {
      AKARI_TRY(p.insert_name.Bind(1, std::int64_t{k.birth_date}).Bind(2, k.kana).Bind(3, person.id).Run());
    }
    for (sync::RiskClass c : person.index.risk_classes) {
      AKARI_TRY(p.insert_risk.Bind(1, static_cast<std::int64_t>(c)).Bind(2, person.id).Run());
    }
  }
  if (persons.empty()) return {};
  AKARI_ASSIGN_OR_RETURN(auto count, GetMeta(kPersonCountKey));
  const std::int64_t before = count ? ParseInt64(*count).value_or(0) : 0;
  return SetMeta(kPersonCountKey, std::to_string(before + static_cast<std::int64_t>(persons.size())));
}

Result<std::optional<Bytes>> Store::ReadPersonDocument(std::int64_t id) {
  Statement& s = prepared_->read_person;
  s.Bind(1, id);
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Bytes>();
  ByteSpan blob = s.ColumnBlob(0);
  std::optional<Bytes> out(Bytes(blob.begin(), blob.end()));
  s.Reset();
  return out;
}

Result<std::optional<Store::EncodedPerson>> Store::ReadEncodedPerson(std::int64_t id) {
  AKARI_ASSIGN_OR_RETURN(std::optional<Bytes> doc, ReadPersonDocument(id));
  if (!doc) return std::optional<EncodedPerson>();
  EncodedPerson encoded{std::move(*doc), nullptr};
  if (const std::uint32_t dict_id = sync::PersonDocumentDictionaryId(encoded.document); dict_id != 0) {
    auto& cached = prepared_->dictionaries[dict_id];
    if (!cached) {
      Statement& s = prepared_->get_dictionary;
      s.Bind(1, std::int64_t{dict_id});
      AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
      if (row) {
        auto created = sync::DocumentDictionary::Create(s.ColumnBlob(0));
        s.Reset();
        if (created) cached = std::move(*created);
      }
    }
    encoded.dictionary = cached;  // a missing dictionary makes Decode() fail with kCorruptDocument
  }
  return std::optional<EncodedPerson>(std::move(encoded));
}

Result<sync::PersonRecord> Store::EncodedPerson::Decode() const {
  return sync::DecodePersonDocument(document, dictionary.get());
}

Result<std::optional<sync::PersonRecord>> Store::ReadPerson(std::int64_t id) {
  AKARI_ASSIGN_OR_RETURN(std::optional<EncodedPerson> encoded, ReadEncodedPerson(id));
  if (!encoded) return std::optional<sync::PersonRecord>();
  AKARI_ASSIGN_OR_RETURN(sync::PersonRecord record, encoded->Decode());
  return std::optional<sync::PersonRecord>(std::move(record));
}

Result<std::vector<std::int64_t>> Store::Ids(Statement& stmt) {
  std::vector<std::int64_t> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.ColumnInt(0));
  }
  return out;
}

Result<std::vector<std::int64_t>> Store::FindByCardKey(const crypto::Hash16& key) {
  prepared_->find_card.BindBlob(1, key);
  return Ids(prepared_->find_card);
}

Result<std::vector<std::int64_t>> Store::FindByInsuranceKey(const crypto::Hash16& key) {
  prepared_->find_insurance.BindBlob(1, key);
  return Ids(prepared_->find_insurance);
}

Result<std::vector<std::int64_t>> Store::FindByName(sync::Date birth_date, std::string_view kana_prefix,
                                                    std::size_t limit) {
  // Every kana key is below U+FFFF, so prefix + U+FFFF bounds the range.
  const std::string upper = std::string(kana_prefix) + "\xEF\xBF\xBF";
  Statement& s = prepared_->find_name;
  s.Bind(1, std::int64_t{birth_date}).Bind(2, kana_prefix).Bind(3, upper).Bind(4, static_cast<std::int64_t>(limit));
  return Ids(s);
}

Result<std::vector<std::int64_t>> Store::FindByRiskClass(sync::RiskClass risk, std::int64_t after_id,
                                                         std::size_t limit) {
  Statement& s = prepared_->find_risk;
  s.Bind(1, static_cast<std::int64_t>(risk)).Bind(2, after_id).Bind(3, static_cast<std::int64_t>(limit));
  return Ids(s);
}

Status Store::PutDocumentDictionary(std::uint32_t id, ByteSpan dictionary) {
  AKARI_ASSIGN_OR_RETURN(Statement s,
                         db_.Prepare("INSERT OR REPLACE INTO document_dictionary(id, dictionary) VALUES (?, ?)"));
  AKARI_TRY(s.Bind(1, std::int64_t{id}).BindBlob(2, dictionary).Run());
  prepared_->dictionaries.erase(id);
  return {};
}

Status Store::ReplaceTrustMaterial(std::span<const TrustItem> items) {
  std::optional<Transaction> own;
  if (!db_.InTransaction()) {
    AKARI_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    own.emplace(std::move(tx));
  }
  AKARI_TRY(db_.Exec("DELETE FROM trust_material"));
  AKARI_ASSIGN_OR_RETURN(Statement insert, db_.Prepare("INSERT INTO trust_material(kind, der) VALUES (?, ?)"));
  for (const TrustItem& item : items) {
    AKARI_TRY(
        insert.Bind(1, item.kind == TrustItem::Kind::kCrl ? "crl" : "ca_certificate").BindBlob(2, item.der).Run());
  }
  if (own) AKARI_TRY(own->Commit());
  return {};
}

Result<std::vector<TrustItem>> Store::ReadTrustMaterial() {
  AKARI_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT kind, der FROM trust_material ORDER BY id"));
  std::vector<TrustItem> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const ByteSpan der = s.ColumnBlob(1);
    out.push_back({s.ColumnText(0) == "crl" ? TrustItem::Kind::kCrl : TrustItem::Kind::kCaCertificate,
                   Bytes(der.begin(), der.end())});
  }
  return out;
}

Result<std::optional<std::string>> Store::GetMeta(std::string_view key) {
  Statement& s = prepared_->get_meta;
  s.Bind(1, key);
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::string>();
  std::optional<std::string> value(s.ColumnText(0));
  s.Reset();
  return value;
}

Status Store::SetMeta(std::string_view key, std::string_view value) {
  return prepared_->set_meta.Bind(1, key).Bind(2, value).Run();
}

Result<StoreCounts> Store::Counts() {
  StoreCounts c;
  AKARI_ASSIGN_OR_RETURN(auto persons, GetMeta(kPersonCountKey));
  c.persons = persons ? ParseInt64(*persons).value_or(0) : 0;
  AKARI_ASSIGN_OR_RETURN(c.card_links, db_.QueryInt("SELECT count(*) FROM person_card"));
  AKARI_ASSIGN_OR_RETURN(c.checks, db_.QueryInt("SELECT count(*) FROM check_record"));
  AKARI_ASSIGN_OR_RETURN(
      c.checks_pending,
      db_.QueryInt("SELECT count(*) FROM check_record WHERE seq NOT IN (SELECT check_seq FROM check_upload)"));
  AKARI_ASSIGN_OR_RETURN(c.audit_entries, db_.QueryInt("SELECT count(*) FROM audit_log"));
  AKARI_ASSIGN_OR_RETURN(c.operators, db_.QueryInt("SELECT count(*) FROM operator WHERE removed_at IS NULL"));
  return c;
}

Result<std::string> Store::IntegrityCheck() {
  return db_.QueryText("PRAGMA integrity_check");
}

Status Store::Checkpoint() {
  return db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace akari::store
