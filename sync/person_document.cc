#include "sync/person_document.h"

#include <nlohmann/json.hpp>

#include "sync/compression.h"
#include "sync/document_dictionary.h"
#include "sync/errors.h"
#include "sync/record_json.h"

namespace akari::sync {

Bytes PackPersonDocumentBody(const PersonRecord& record) {
  nlohmann::json j = RecordToJson(record);
  j.erase("card_links");
  return nlohmann::json::to_msgpack(j);
}

Result<Bytes> EncodePersonDocument(const PersonRecord& record, const DocumentDictionary& dictionary) {
  AKARI_ASSIGN_OR_RETURN(Bytes frame, dictionary.Compress(PackPersonDocumentBody(record)));
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
  const Bytes packed = PackPersonDocumentBody(record);
  AKARI_ASSIGN_OR_RETURN(Bytes frame, ZstdCompress(packed));
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
  auto packed = with_dictionary ? dictionary->Decompress(document.subspan(1), kMaxPersonDocumentBytes)
                                : ZstdDecompress(document.subspan(1), kMaxPersonDocumentBytes);
  if (!packed) return MakeError(SyncErrc::kCorruptDocument, "person document: " + packed.error().message);
  const nlohmann::json j = nlohmann::json::from_msgpack(*packed, /*strict=*/true, /*allow_exceptions=*/false);
  if (j.is_discarded()) return MakeError(SyncErrc::kCorruptDocument, "person document is not valid MessagePack");
  return RecordFromJson(j);
}

}  // namespace akari::sync
