// The node's person document: everything about one person in one compact,
// compressed value (ARCHITECTURE.md section 4). Layout: one format byte (1),
// then a zstd frame of the MessagePack form of RecordToJson() without card
// links (a node holds card links only as hashed index keys).
// Format 2 is the same MessagePack in a zstd frame compressed against a
// DocumentDictionary (sync/document_dictionary.h); the frame names the
// dictionary's id.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json_fwd.hpp>

#include "base/bytes.h"
#include "base/result.h"
#include "sync/record.h"

namespace akari::sync {

class DocumentDictionary;

inline constexpr std::uint8_t kPersonDocumentFormat = 1;
inline constexpr std::uint8_t kPersonDocumentFormatDictionary = 2;
inline constexpr std::size_t kMaxPersonDocumentBytes = std::size_t{16} << 20;

[[nodiscard]] Result<Bytes> EncodePersonDocument(const PersonRecord& record);

// Format 2, compressed against `dictionary`.
[[nodiscard]] Result<Bytes> EncodePersonDocument(const PersonRecord& record, const DocumentDictionary& dictionary);

// The uncompressed body both formats carry (MessagePack without card
// links): what a dictionary is trained on.
Bytes PackPersonDocumentBody(const PersonRecord& record);

// The same body from the record's RecordToJson() tree, for a caller that
// has built it already (the hub's import hashes it whole).
Bytes PackPersonDocumentBody(nlohmann::json record_json);

// Formats 1 and 2 from a body PackPersonDocumentBody wrote.
[[nodiscard]] Result<Bytes> EncodePersonDocumentBody(ByteSpan body);
[[nodiscard]] Result<Bytes> EncodePersonDocumentBody(ByteSpan body, const DocumentDictionary& dictionary);

// Errors: kCorruptDocument (unknown format byte, damaged compression or
// MessagePack, a format-2 document without its dictionary), kInvalidRecord
// (fields fail validation).
[[nodiscard]] Result<PersonRecord> DecodePersonDocument(ByteSpan document);
[[nodiscard]] Result<PersonRecord> DecodePersonDocument(ByteSpan document, const DocumentDictionary* dictionary);

// Decodes an uncompressed body (what PackPersonDocumentBody writes).
// Bodies in exactly that layout are read straight into a PersonRecord with
// every check of RecordFromJson (DecodePersonDocumentBodyFast); anything else
// (an unknown or repeated key, card_links, an unexpected type, a failed
// check, damaged MessagePack) goes the reference way, MessagePack ->
// nlohmann::json -> RecordFromJson, which accepts or refuses it and words
// the error. Errors as DecodePersonDocument.
[[nodiscard]] Result<PersonRecord> DecodePersonDocumentBody(ByteSpan body);

// The two ways on their own, for tests and benchmarks. The fast one gives
// nullopt for every body it does not fully understand or that fails a check;
// when it gives a record, it equals the reference's.
std::optional<PersonRecord> DecodePersonDocumentBodyFast(ByteSpan body);
[[nodiscard]] Result<PersonRecord> DecodePersonDocumentBodyReference(ByteSpan body);

// The id of the dictionary a format-2 document needs; 0 for format 1.
std::uint32_t PersonDocumentDictionaryId(ByteSpan document);

}  // namespace akari::sync
