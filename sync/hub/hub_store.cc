#include "sync/hub/hub_store.h"

#include <array>

#include "base/clock.h"
#include "sync/db/errors.h"
#include "sync/hub/documents.h"

namespace akari::sync::hub {
namespace {

struct HubMigration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// Version 1. Records: `person` holds each person's node document, raw card
// links and the encoded publication entry; the index tables serve
// reconciliation. Publication state: what the latest version contained
// (`published_person`), object reuse across versions (`object`) and the
// delta history (`delta`).
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);

CREATE TABLE signing_key(
  keyid TEXT PRIMARY KEY NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('root', 'manifest')),
  public_key BLOB NOT NULL,
  secret_key BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER);
CREATE TABLE root_metadata(version INTEGER PRIMARY KEY, document BLOB NOT NULL);
CREATE TABLE content_key(
  id TEXT PRIMARY KEY NOT NULL,
  secret BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER);
CREATE TABLE dictionary(id INTEGER PRIMARY KEY, bytes BLOB NOT NULL, created_at INTEGER NOT NULL);

CREATE TABLE person(
  id INTEGER PRIMARY KEY,
  record_hash BLOB NOT NULL,
  card_links TEXT NOT NULL,
  entry BLOB NOT NULL,
  entry_hash BLOB NOT NULL,
  changed_in INTEGER NOT NULL);
CREATE TABLE person_card(
  key BLOB NOT NULL, person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY(key, person_id)) WITHOUT ROWID;
CREATE INDEX person_card_by_person ON person_card(person_id);
CREATE TABLE person_insurance(
  key BLOB NOT NULL, person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY(key, person_id)) WITHOUT ROWID;
CREATE INDEX person_insurance_by_person ON person_insurance(person_id);
CREATE TABLE person_name(
  birth_date INTEGER NOT NULL, kana TEXT NOT NULL,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY(birth_date, kana, person_id)) WITHOUT ROWID;
CREATE INDEX person_name_by_person ON person_name(person_id);

CREATE TABLE import_batch(
  id INTEGER PRIMARY KEY,
  imported_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  as_of INTEGER NOT NULL,
  persons INTEGER NOT NULL,
  added INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  removed INTEGER NOT NULL,
  reindexed INTEGER NOT NULL);
CREATE TABLE person_change(
  import_id INTEGER NOT NULL REFERENCES import_batch(id),
  person_id INTEGER NOT NULL,
  change TEXT NOT NULL CHECK (change IN ('added', 'changed', 'removed')),
  PRIMARY KEY(import_id, person_id)) WITHOUT ROWID;
CREATE TABLE trust_item(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('ca_certificate', 'crl')),
  der BLOB NOT NULL);

CREATE TABLE node(
  seq INTEGER PRIMARY KEY,
  label TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,
  invited_at INTEGER NOT NULL,
  node_id TEXT UNIQUE,
  signing_public_key BLOB,
  box_public_key BLOB,
  enrolled_at INTEGER,
  removed_at INTEGER);

CREATE TABLE publication(
  version INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  as_of INTEGER NOT NULL,
  content_key_id TEXT NOT NULL,
  manifest_hash TEXT NOT NULL,
  persons INTEGER NOT NULL,
  import_id INTEGER);
CREATE TABLE published_person(id INTEGER PRIMARY KEY, entry_hash BLOB NOT NULL);
CREATE TABLE object(
  plain_id TEXT NOT NULL,
  content_key_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY(plain_id, content_key_id)) WITHOUT ROWID;
CREATE TABLE delta(
  to_version INTEGER PRIMARY KEY,
  from_version INTEGER NOT NULL,
  content_key_id TEXT NOT NULL,
  objects TEXT NOT NULL,
  upserts INTEGER NOT NULL,
  removes INTEGER NOT NULL);
)sql";

// Version 2. Reconciliation: every check a node uploaded with a valid
// signature, and the answer it got, keyed by check id (the idempotency key:
// a check sent again gets this answer back).
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE hub_check(
  check_id TEXT PRIMARY KEY NOT NULL,
  node_id TEXT NOT NULL,
  body_hash BLOB NOT NULL,
  body TEXT NOT NULL,
  signature BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  answer TEXT NOT NULL);
CREATE INDEX hub_check_node ON hub_check(node_id, outcome);
)sql";

// Version 3. Reference records: persons of other regions, imported with
// `import --reference` so that reconciliation can resolve evacuees from
// elsewhere; never published. `region` is NULL for this hub's own persons.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE person ADD COLUMN region TEXT;
CREATE INDEX person_by_region ON person(region, id);
)sql";

// Version 4. Revocation lists of other regions, from reference imports:
// published beside the hub's own, so that a node can check the cards of
// evacuees from those regions too. `region` is NULL for the hub's own
// trust material.
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE trust_item ADD COLUMN region TEXT;
)sql";

// Version 5. The newest audit-log entry each node reported with its
// checks (the highest sequence number received, its hash and the node's
// signature, and the node's clock when it sent that batch), and when a node
// last reported one lower than that: its log was cut short or restored
// from a backup.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE TABLE node_audit_head(
  node_id TEXT PRIMARY KEY NOT NULL,
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  signature BLOB NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  went_back_at INTEGER,
  went_back_to INTEGER);
)sql";

// Version 6. A check id is unique per node, not across nodes: a check
// another node uploaded under this node's id (which the hub took before it
// refused foreign ids) no longer blocks the real one. Rows are kept as
// they were, for the regional office to see.
constexpr std::string_view kSchemaV6 = R"sql(
CREATE TABLE hub_check_v6(
  check_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  body_hash BLOB NOT NULL,
  body TEXT NOT NULL,
  signature BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  answer TEXT NOT NULL,
  PRIMARY KEY(node_id, check_id));
INSERT INTO hub_check_v6(check_id, node_id, body_hash, body, signature, received_at, outcome, answer)
  SELECT check_id, node_id, body_hash, body, signature, received_at, outcome, answer FROM hub_check;
DROP TABLE hub_check;
ALTER TABLE hub_check_v6 RENAME TO hub_check;
CREATE INDEX hub_check_node ON hub_check(node_id, outcome);
)sql";

// Version 7. Whether a node has vouched for its reported head's number
// and time (reconcile::ReportedAuditHead::statement_signature). Once it
// has, a head without that signature is not taken from it: it would be a
// genuine hash under a number anyone could have written.
constexpr std::string_view kSchemaV7 = R"sql(
ALTER TABLE node_audit_head ADD COLUMN statement_signed INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr std::array<HubMigration, 7> kHubMigrations = {{
    {1, "records, keys, nodes and publications", kSchemaV1},
    {2, "uploaded checks and their answers", kSchemaV2},
    {3, "reference records of other regions", kSchemaV3},
    {4, "revocation lists of other regions", kSchemaV4},
    {5, "the audit-log heads nodes report", kSchemaV5},
    {6, "check ids unique per node", kSchemaV6},
    {7, "audit-log heads whose number the node signed", kSchemaV7},
}};

}  // namespace

int HubSchemaVersion() {
  return kHubMigrations.back().version;
}

Result<HubStore> HubStore::Open(const std::filesystem::path& path, ByteSpan key, bool create) {
  AKARI_ASSIGN_OR_RETURN(db::Database db, db::OpenEncrypted(path, key, create));
  HubStore store(std::move(db));
  AKARI_TRY(store.Migrate());
  return store;
}

Status HubStore::Migrate() {
  AKARI_ASSIGN_OR_RETURN(std::int64_t current, db_.QueryInt("PRAGMA user_version"));
  if (current > HubSchemaVersion()) {
    return MakeError(db::DbErrc::kTooNew, "the hub database " + db_.path().string() + " has schema version " +
                                              std::to_string(current) + " but this program knows only up to " +
                                              std::to_string(HubSchemaVersion()) + "; update akari-hub");
  }
  for (const HubMigration& m : kHubMigrations) {
    if (m.version <= current) continue;
    AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
    AKARI_ASSIGN_OR_RETURN(current, db_.QueryInt("PRAGMA user_version"));
    if (m.version <= current) continue;
    AKARI_TRY(
        db_.Exec("CREATE TABLE IF NOT EXISTS schema_migration(version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                 "applied_at INTEGER NOT NULL)"));
    AKARI_TRY(db_.Exec(m.sql));
    AKARI_ASSIGN_OR_RETURN(
        db::Statement rec,
        db_.Prepare("INSERT INTO schema_migration(version, description, applied_at) VALUES (?, ?, ?)"));
    AKARI_TRY(
        rec.Bind(1, m.version).Bind(2, m.description).Bind(3, ToUnixSeconds(SystemClock::Instance().Now())).Run());
    AKARI_TRY(db_.Exec("PRAGMA user_version = " + std::to_string(m.version)));
    AKARI_TRY(tx.Commit());
    current = m.version;
  }
  return {};
}

Result<std::optional<std::string>> HubStore::GetMeta(std::string_view key) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s, db_.Prepare("SELECT value FROM meta WHERE key = ?"));
  s.Bind(1, key);
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s.ColumnText(0));
}

Status HubStore::SetMeta(std::string_view key, std::string_view value) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s, db_.Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"));
  return s.Bind(1, key).Bind(2, value).Run();
}

Result<std::string> HubStore::Region() {
  AKARI_ASSIGN_OR_RETURN(auto region, GetMeta(meta::kRegion));
  if (!region) return MakeError(db::DbErrc::kCorrupt, "the hub database has no region; was `akari-hub init` run?");
  return *region;
}

Result<std::optional<PersonRecord>> HubStore::ReadPerson(std::int64_t id) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s, db_.Prepare("SELECT entry, card_links FROM person WHERE id = ?"));
  s.Bind(1, id);
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<PersonRecord>();
  const ByteSpan entry = s.ColumnBlob(0);
  AKARI_ASSIGN_OR_RETURN(PersonRecord record, DecodeHubPerson(*this, entry, s.ColumnText(1)));
  return std::optional<PersonRecord>(std::move(record));
}

Result<std::shared_ptr<const DocumentDictionary>> HubStore::DecodingDictionary(std::uint32_t id) {
  if (auto it = dictionaries_.find(id); it != dictionaries_.end()) return it->second;
  AKARI_ASSIGN_OR_RETURN(auto dictionary, LoadDictionary(*this, id));
  dictionaries_.emplace(id, dictionary);
  return dictionary;
}

Result<std::vector<std::int64_t>> HubStore::Ids(std::string_view sql, ByteSpan key) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s, db_.Prepare(sql));
  s.BindBlob(1, key);
  std::vector<std::int64_t> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(s.ColumnInt(0));
  }
  return out;
}

Result<std::vector<std::int64_t>> HubStore::FindByCardKey(const crypto::Hash16& key) {
  return Ids("SELECT person_id FROM person_card WHERE key = ? ORDER BY person_id", key);
}

Result<std::vector<std::int64_t>> HubStore::FindByInsuranceKey(const crypto::Hash16& key) {
  return Ids("SELECT person_id FROM person_insurance WHERE key = ? ORDER BY person_id", key);
}

Result<std::vector<std::int64_t>> HubStore::FindByName(Date birth_date, std::string_view kana_key) {
  AKARI_ASSIGN_OR_RETURN(
      db::Statement s,
      db_.Prepare("SELECT person_id FROM person_name WHERE birth_date = ? AND kana = ? ORDER BY person_id"));
  s.Bind(1, std::int64_t{birth_date}).Bind(2, kana_key);
  std::vector<std::int64_t> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(s.ColumnInt(0));
  }
  return out;
}

}  // namespace akari::sync::hub
