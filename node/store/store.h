// The node store: an SQLCipher database holding one document per person
// plus lookup indexes (replaced only by snapshot applies) and the node's
// local records (checks, audit log, operators), which no apply touches.
//
// Opened with the raw 32-byte key from the keystore (no SQLCipher KDF), in
// SQLCipher 3 file format on both SQLCipher 3.4 and 4.x, WAL mode, foreign
// keys on. Schema changes are forward-only migrations, each in one
// transaction, recorded in `schema_migration` and PRAGMA user_version.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "sync/db/sqlite.h"
#include "sync/document_dictionary.h"
#include "sync/index_keys.h"
#include "sync/record.h"

namespace akari::store {

// The SQLCipher wrapper types, used through the store by node code.
using db::Database;
using db::ReadTransaction;
using db::Statement;
using db::Transaction;

// A person as the store holds it: the encoded document (see
// sync/person_document.h) and the index entries derived from it.
struct StoredPerson {
  std::int64_t id = 0;
  Bytes document;
  sync::IndexEntries index;
};

// A JPKI CA certificate or CRL from the signed trust material (DER).
struct TrustItem {
  enum class Kind { kCaCertificate, kCrl };
  Kind kind = Kind::kCaCertificate;
  Bytes der;
  friend bool operator==(const TrustItem&, const TrustItem&) = default;
};

struct StoreCounts {
  std::int64_t persons = 0;
  std::int64_t card_links = 0;
  std::int64_t checks = 0;
  std::int64_t checks_pending = 0;  // not yet acknowledged by the hub
  std::int64_t audit_entries = 0;
  std::int64_t operators = 0;  // active (not removed)
};

// The schema version this program writes.
int CurrentSchemaVersion();

// Threading: one Store per thread. Several Stores (connections) may be open
// on the same file: one writer at a time, readers see WAL snapshots.
class Store {
 public:
  struct Options {
    bool create = false;  // create the file (mode 0600) if missing
  };

  // Opens `path` with `key` and brings the schema up to date. Errors:
  // kNotFound (no file and !create), kNotDecryptable (wrong key or not a
  // database), kCorrupt (damaged or truncated), kTooNew, kIo.
  [[nodiscard]] static Result<Store> Open(const std::filesystem::path& path, ByteSpan key, Options options);

  Store(Store&&) noexcept = default;
  Store& operator=(Store&&) noexcept = default;

  // Runs any migrations not yet applied; returns how many ran. Open() calls
  // this; calling it again is harmless (returns 0).
  [[nodiscard]] Result<int> Migrate();
  [[nodiscard]] Result<int> SchemaVersion();

  // Replaces persons in one transaction: removes `removed_ids` and every id
  // in `persons`, then inserts `persons` with their index entries.
  [[nodiscard]] Status ReplacePersons(std::span<const StoredPerson> persons,
                                      std::span<const std::int64_t> removed_ids = {});

  // The same steps for callers that hold their own transaction (snapshot
  // apply): each must run inside Transaction::Begin(database()).
  [[nodiscard]] Status DeletePersons(std::span<const std::int64_t> ids);
  [[nodiscard]] Status DeleteAllPersons();
  [[nodiscard]] Status InsertPersons(std::span<const StoredPerson> persons);

  // One person's document, or nullopt if the id is unknown.
  [[nodiscard]] Result<std::optional<Bytes>> ReadPersonDocument(std::int64_t id);
  // One person's full history, decoded. Errors as above plus
  // sync::SyncErrc::kCorruptDocument.
  [[nodiscard]] Result<std::optional<sync::PersonRecord>> ReadPerson(std::int64_t id);

  // ReadPerson() in two steps, for callers that share this connection and
  // want to hold it only for the read: ReadEncodedPerson() reads the
  // document and finds its dictionary (on this connection); Decode() needs
  // neither the connection nor this Store and may run on any thread.
  struct EncodedPerson {
    Bytes document;
    std::shared_ptr<const sync::DocumentDictionary> dictionary;  // null for format 1
    [[nodiscard]] Result<sync::PersonRecord> Decode() const;
  };
  [[nodiscard]] Result<std::optional<EncodedPerson>> ReadEncodedPerson(std::int64_t id);

  // Index lookups; each returns matching person ids in ascending order.
  [[nodiscard]] Result<std::vector<std::int64_t>> FindByCardKey(const crypto::Hash16& key);
  [[nodiscard]] Result<std::vector<std::int64_t>> FindByInsuranceKey(const crypto::Hash16& key);
  // Persons born on `birth_date` whose kana search key starts with
  // `kana_prefix` (already a KanaSearchKey; empty matches all), at most `limit`.
  [[nodiscard]] Result<std::vector<std::int64_t>> FindByName(sync::Date birth_date, std::string_view kana_prefix,
                                                             std::size_t limit);
  // Persons with `risk` active, ids greater than `after_id`, at most `limit`.
  [[nodiscard]] Result<std::vector<std::int64_t>> FindByRiskClass(sync::RiskClass risk, std::int64_t after_id,
                                                                  std::size_t limit);

  // Stores a zstd dictionary that format-2 person documents name (see
  // sync/document_dictionary.h); ReadPerson() finds it by id. Runs in the
  // caller's transaction when one is open.
  [[nodiscard]] Status PutDocumentDictionary(std::uint32_t id, ByteSpan dictionary);

  // Replaces all trust material (inside the caller's transaction when one
  // is open, so it changes together with the snapshot it came with).
  [[nodiscard]] Status ReplaceTrustMaterial(std::span<const TrustItem> items);
  [[nodiscard]] Result<std::vector<TrustItem>> ReadTrustMaterial();

  // Node metadata (region, data version, sync times …).
  [[nodiscard]] Result<std::optional<std::string>> GetMeta(std::string_view key);
  [[nodiscard]] Status SetMeta(std::string_view key, std::string_view value);

  [[nodiscard]] Result<StoreCounts> Counts();

  // Runs PRAGMA integrity_check; "ok" when healthy.
  [[nodiscard]] Result<std::string> IntegrityCheck();

  // Folds the WAL back into the database file (on clean shutdown).
  [[nodiscard]] Status Checkpoint();

  Database& database() { return db_; }

 private:
  explicit Store(Database db) : db_(std::move(db)) {}
  Result<std::vector<std::int64_t>> Ids(Statement& stmt);

  Database db_;
  struct Prepared;
  std::shared_ptr<Prepared> prepared_;
};

}  // namespace akari::store
