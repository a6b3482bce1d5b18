#include "sync/person_document.h"

#include <nlohmann/json.hpp>

#include "sync/compression.h"
#include "sync/errors.h"
#include "sync/record_json.h"

namespace akari::sync {

Result<Bytes> EncodePersonDocument(const PersonRecord& record) {
  nlohmann::json j = RecordToJson(record);
  j.erase("card_links");
  const std::vector<std::uint8_t> packed = nlohmann::json::to_msgpack(j);
  AKARI_ASSIGN_OR_RETURN(Bytes frame, ZstdCompress(packed));
  Bytes out;
  out.reserve(frame.size() + 1);
  out.push_back(kPersonDocumentFormat);
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

Result<PersonRecord> DecodePersonDocument(ByteSpan document) {
  if (document.empty() || document[0] != kPersonDocumentFormat) {
    return MakeError(SyncErrc::kCorruptDocument,
                     document.empty() ? "empty person document"
                                      : "person document has unknown format " + std::to_string(document[0]));
  }
  auto packed = ZstdDecompress(document.subspan(1), kMaxPersonDocumentBytes);
  if (!packed) return MakeError(SyncErrc::kCorruptDocument, "person document: " + packed.error().message);
  const nlohmann::json j = nlohmann::json::from_msgpack(*packed, /*strict=*/true, /*allow_exceptions=*/false);
  if (j.is_discarded()) return MakeError(SyncErrc::kCorruptDocument, "person document is not valid MessagePack");
  return RecordFromJson(j);
}

}  // namespace akari::sync
