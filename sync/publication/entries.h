// Payloads of person objects: snapshot chunks and deltas carry person
// entries exactly as a node stores them (the encoded person document and
// its index entries), so applying needs no re-encoding.
//
// All integers little-endian.
//   entry   = id i64 | doc_len u32 | document | n u16, n × card key (16)
//             | n u16, n × insurance key (16)
//             | n u16, n × (birth_date i32 | len u16 | kana UTF-8)
//             | n u16, n × risk class u8
//   chunk   = count u32 | count × entry            (ids strictly ascending)
//   delta   = count u32 | count × entry | removed u32 | removed × id i64
//   trust   = the DER bytes
//   dictionary = dict_id u32 | zstd dictionary bytes
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "sync/index_keys.h"

namespace akari::sync::publication {

struct PersonEntry {
  std::int64_t id = 0;
  Bytes document;
  IndexEntries index;
  friend bool operator==(const PersonEntry&, const PersonEntry&) = default;
};

// Appends one encoded entry. Error kInvalidArgument when a list has more
// than 65535 items or a field is too long.
[[nodiscard]] Status AppendPersonEntry(Bytes& out, const PersonEntry& entry);
[[nodiscard]] Result<Bytes> EncodePersonEntry(const PersonEntry& entry);

// Decodes exactly one encoded entry. Error: kCorruptDocument.
[[nodiscard]] Result<PersonEntry> DecodePersonEntry(ByteSpan encoded);

// Builds a chunk payload from already encoded entries (ascending ids).
Bytes ChunkPayloadFromEncoded(std::span<const ByteSpan> encoded_entries);

// Builds a delta payload.
Bytes DeltaPayloadFromEncoded(std::span<const ByteSpan> encoded_upserts, std::span<const std::int64_t> removed);

// Decodes a chunk payload. Errors: kCorruptDocument (truncated, trailing
// bytes, ids not ascending or outside [first_id, last_id]).
[[nodiscard]] Result<std::vector<PersonEntry>> DecodeChunkPayload(ByteSpan payload, std::int64_t first_id,
                                                                  std::int64_t last_id);

struct DeltaPayload {
  std::vector<PersonEntry> upserts;
  std::vector<std::int64_t> removed;
};
[[nodiscard]] Result<DeltaPayload> DecodeDeltaPayload(ByteSpan payload);

Bytes DictionaryPayload(std::uint32_t dict_id, ByteSpan dictionary);
[[nodiscard]] Result<std::pair<std::uint32_t, Bytes>> DecodeDictionaryPayload(ByteSpan payload);

}  // namespace akari::sync::publication
