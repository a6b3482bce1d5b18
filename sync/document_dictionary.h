// A zstd dictionary that person documents of format 2 are compressed
// against (sync/person_document.h). The hub trains one on a sample of its
// documents (small documents compress much better with shared context) and
// publishes it as an object; a node keeps every dictionary its documents
// name in its store.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "base/bytes.h"
#include "base/result.h"

namespace akari::sync {

inline constexpr std::size_t kMaxDictionaryBytes = std::size_t{1} << 20;

// Threading: immutable after Create(); safe to share across threads.
class DocumentDictionary {
 public:
  // Wraps a zstd dictionary (magic 0xEC30A437 and a non-zero id) and
  // prepares it for compression at `level` and for decompression.
  // Error: kCompression when `bytes` is not a usable dictionary.
  [[nodiscard]] static Result<std::shared_ptr<const DocumentDictionary>> Create(ByteSpan bytes, int level = 3);

  ~DocumentDictionary();
  DocumentDictionary(const DocumentDictionary&) = delete;
  DocumentDictionary& operator=(const DocumentDictionary&) = delete;

  std::uint32_t id() const { return id_; }
  ByteSpan bytes() const { return bytes_; }

  // One zstd frame of `data` compressed against this dictionary.
  [[nodiscard]] Result<Bytes> Compress(ByteSpan data) const;
  // Decompresses a frame made by Compress (at most `max_bytes`).
  [[nodiscard]] Result<Bytes> Decompress(ByteSpan frame, std::size_t max_bytes) const;

 private:
  struct Prepared;
  DocumentDictionary() = default;
  std::uint32_t id_ = 0;
  Bytes bytes_;
  std::unique_ptr<Prepared> prepared_;
};

// Trains a dictionary of at most `max_bytes` from `samples` and gives it
// the id `id` (> 0). Error: kCompression when zstd cannot train (too few
// or too uniform samples).
[[nodiscard]] Result<Bytes> TrainDocumentDictionary(std::span<const Bytes> samples, std::uint32_t id,
                                                    std::size_t max_bytes = 112640);

// The dictionary id a zstd frame names (0 when none).
std::uint32_t FrameDictionaryId(ByteSpan frame);

}  // namespace akari::sync
