// The node's person document: everything about one person in one compact,
// compressed value (ARCHITECTURE.md section 4). Layout: one format byte (1),
// then a zstd frame of the MessagePack form of RecordToJson() without card
// links (a node holds card links only as hashed index keys).
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "sync/record.h"

namespace akari::sync {

inline constexpr std::uint8_t kPersonDocumentFormat = 1;
inline constexpr std::size_t kMaxPersonDocumentBytes = std::size_t{16} << 20;

[[nodiscard]] Result<Bytes> EncodePersonDocument(const PersonRecord& record);

// Errors: kCorruptDocument (unknown format byte, damaged compression or
// MessagePack), kInvalidRecord (fields fail validation).
[[nodiscard]] Result<PersonRecord> DecodePersonDocument(ByteSpan document);

}  // namespace akari::sync
