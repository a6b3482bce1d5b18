#include "node/store/migrations.h"

#include <array>

namespace akari::store {
namespace {

// Version 1: snapshot data. Replaced wholesale or per person by applies.
constexpr std::string_view kSnapshotSchema = R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL);

CREATE TABLE person(
  id INTEGER PRIMARY KEY,
  document BLOB NOT NULL);

CREATE TABLE person_card(
  key BLOB PRIMARY KEY NOT NULL,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE) WITHOUT ROWID;
CREATE INDEX person_card_by_person ON person_card(person_id);

CREATE TABLE person_insurance(
  key BLOB NOT NULL,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY(key, person_id)) WITHOUT ROWID;
CREATE INDEX person_insurance_by_person ON person_insurance(person_id);

CREATE TABLE person_name(
  birth_date INTEGER NOT NULL,
  kana TEXT NOT NULL,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY(birth_date, kana, person_id)) WITHOUT ROWID;
CREATE INDEX person_name_by_person ON person_name(person_id);

CREATE TABLE person_risk(
  class INTEGER NOT NULL,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY(class, person_id)) WITHOUT ROWID;
CREATE INDEX person_risk_by_person ON person_risk(person_id);
)sql";

// Version 2: local records. No snapshot apply reads or writes these.
constexpr std::string_view kLocalSchema = R"sql(
CREATE TABLE operator(
  id TEXT PRIMARY KEY NOT NULL,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'doctor', 'pharmacist', 'nurse', 'clerk')),
  pin_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  removed_at INTEGER);

CREATE TABLE check_record(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  operator_id TEXT,
  method TEXT NOT NULL,
  assurance TEXT NOT NULL,
  person_id INTEGER,
  data_version INTEGER NOT NULL,
  body BLOB NOT NULL,
  signature BLOB NOT NULL);

CREATE TABLE check_upload(
  check_seq INTEGER PRIMARY KEY REFERENCES check_record(seq),
  acknowledged_at INTEGER NOT NULL);

CREATE TABLE check_result(
  check_seq INTEGER PRIMARY KEY REFERENCES check_record(seq),
  received_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  body BLOB NOT NULL);

CREATE TABLE audit_log(
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  body BLOB NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  signature BLOB NOT NULL);
)sql";

// Version 3: trust material for card checks (JPKI CA certificates and
// revocation lists), delivered with each snapshot and replaced with it.
constexpr std::string_view kTrustSchema = R"sql(
CREATE TABLE trust_material(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('ca_certificate', 'crl')),
  der BLOB NOT NULL);
)sql";

// Version 4: sync state. The root metadata versions this node accepted
// (the first pinned at enrollment), the snapshot chunks its persons equal
// (so a later full sync fetches only chunks it lacks) and the zstd
// dictionaries its person documents are compressed against.
constexpr std::string_view kSyncSchema = R"sql(
CREATE TABLE sync_root(
  version INTEGER PRIMARY KEY,
  document BLOB NOT NULL);
CREATE TABLE sync_chunk(
  id TEXT PRIMARY KEY NOT NULL,
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  persons INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE document_dictionary(
  id INTEGER PRIMARY KEY,
  dictionary BLOB NOT NULL);
)sql";

// Version 5: a card may be linked to more than one person. Source data has
// such mislinks (a card registered to the wrong person as well as its own);
// with the key alone as primary key the apply of any snapshot holding one
// failed, and the node stayed on old data. A card check that finds several
// persons answers "linked to several" (node/card/verification.cc).
constexpr std::string_view kCardLinksMaySharePersons = R"sql(
CREATE TABLE person_card_v5(
  key BLOB NOT NULL,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY(key, person_id)) WITHOUT ROWID;
INSERT INTO person_card_v5(key, person_id) SELECT key, person_id FROM person_card;
DROP TABLE person_card;
ALTER TABLE person_card_v5 RENAME TO person_card;
CREATE INDEX person_card_by_person ON person_card(person_id);
)sql";

constexpr std::array<Migration, 5> kMigrations = {{
    {1, "snapshot data: person documents and lookup indexes", kSnapshotSchema},
    {2, "local records: operators, checks, audit log", kLocalSchema},
    {3, "trust material: JPKI CA certificates and revocation lists", kTrustSchema},
    {4, "sync state: pinned root metadata, snapshot chunks, document dictionaries", kSyncSchema},
    {5, "card links: one card may be linked to several persons", kCardLinksMaySharePersons},
}};

}  // namespace

std::span<const Migration> AllMigrations() {
  return kMigrations;
}

}  // namespace akari::store
