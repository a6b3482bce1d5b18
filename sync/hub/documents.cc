#include "sync/hub/documents.h"

#include <nlohmann/json.hpp>

#include "sync/errors.h"
#include "sync/hub/hub_store.h"
#include "sync/person_document.h"
#include "sync/publication/entries.h"

namespace akari::sync::hub {

Result<std::shared_ptr<const DocumentDictionary>> LoadDictionary(HubStore& store, std::uint32_t id, int level) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s, store.database().Prepare("SELECT bytes FROM dictionary WHERE id = ?"));
  s.Bind(1, std::int64_t{id});
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return MakeError(SyncErrc::kCorruptDocument,
                     "the hub database lacks document dictionary " + std::to_string(id) + "; it is damaged");
  }
  return DocumentDictionary::Create(s.ColumnBlob(0), level);
}

Result<PersonRecord> DecodeHubPerson(HubStore& store, ByteSpan entry_bytes, std::string_view card_links_json) {
  AKARI_ASSIGN_OR_RETURN(publication::PersonEntry entry, publication::DecodePersonEntry(entry_bytes));
  std::shared_ptr<const DocumentDictionary> dictionary;
  if (const std::uint32_t id = PersonDocumentDictionaryId(entry.document); id != 0) {
    AKARI_ASSIGN_OR_RETURN(dictionary, store.DecodingDictionary(id));
  }
  AKARI_ASSIGN_OR_RETURN(PersonRecord record, DecodePersonDocument(entry.document, dictionary.get()));
  const auto links = nlohmann::json::parse(card_links_json, nullptr, /*allow_exceptions=*/false);
  if (!links.is_array()) return MakeError(SyncErrc::kCorruptDocument, "stored card links are not a JSON array");
  for (const auto& link : links) {
    if (!link.is_object() || !link.contains("issuer") || !link.contains("serial") || !link["issuer"].is_string() ||
        !link["serial"].is_string()) {
      return MakeError(SyncErrc::kCorruptDocument, "stored card links are malformed");
    }
    record.card_links.push_back({link["issuer"].get<std::string>(), link["serial"].get<std::string>()});
  }
  return record;
}

}  // namespace akari::sync::hub
