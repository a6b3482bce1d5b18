// The hub's store: an SQLCipher database (opened like the node's, with
// db::OpenEncrypted) holding the region's authoritative records, the
// hub's keys, the node registry and what was published. Its schema is the
// hub's own, migrated forward-only like the node's (docs/publication.md).
//
// The modules of the hub (import, nodes, keys, publisher) run their SQL on
// database(); this class owns opening, migrations, meta and the person
// lookups reconciliation needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "sync/db/sqlite.h"
#include "sync/document_dictionary.h"
#include "sync/record.h"

namespace akari::sync::hub {

namespace meta {
inline constexpr std::string_view kRegion = "region";
inline constexpr std::string_view kCreatedAt = "created_at";
inline constexpr std::string_view kAsOf = "as_of";                           // of the latest import (YYYYMMDD)
inline constexpr std::string_view kDictionaryId = "dictionary_id";           // documents' dictionary, "0" for none
inline constexpr std::string_view kRotateContentKey = "rotate_content_key";  // "1" after a node removal
}  // namespace meta

int HubSchemaVersion();

// Threading: one HubStore per thread; several connections may be open on
// one file (one writer at a time, readers on WAL snapshots).
class HubStore {
 public:
  // Opens (with `create`, creates) and migrates. Errors as db::OpenEncrypted
  // plus kTooNew for a store written by a newer program.
  [[nodiscard]] static Result<HubStore> Open(const std::filesystem::path& path, ByteSpan key, bool create);

  HubStore(HubStore&&) noexcept = default;
  HubStore& operator=(HubStore&&) noexcept = default;

  [[nodiscard]] Result<std::optional<std::string>> GetMeta(std::string_view key);
  [[nodiscard]] Status SetMeta(std::string_view key, std::string_view value);
  // The region code chosen at init.
  [[nodiscard]] Result<std::string> Region();

  // Reconciliation lookups over the imported records (hub index tables).
  [[nodiscard]] Result<std::optional<PersonRecord>> ReadPerson(std::int64_t id);
  [[nodiscard]] Result<std::vector<std::int64_t>> FindByCardKey(const crypto::Hash16& key);
  [[nodiscard]] Result<std::vector<std::int64_t>> FindByInsuranceKey(const crypto::Hash16& key);
  [[nodiscard]] Result<std::vector<std::int64_t>> FindByName(Date birth_date, std::string_view kana_key);

  // Dictionary `id` prepared for decoding, loaded once per connection: a
  // dictionary never changes under its id, and preparing one costs far
  // more than decoding a document with it.
  [[nodiscard]] Result<std::shared_ptr<const DocumentDictionary>> DecodingDictionary(std::uint32_t id);

  db::Database& database() { return db_; }

 private:
  explicit HubStore(db::Database db) : db_(std::move(db)) {}
  Status Migrate();
  Result<std::vector<std::int64_t>> Ids(std::string_view sql, ByteSpan key);

  db::Database db_;
  std::map<std::uint32_t, std::shared_ptr<const DocumentDictionary>> dictionaries_;
};

}  // namespace akari::sync::hub
