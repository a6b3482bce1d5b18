// zstd compression of documents and publication objects.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"

namespace akari::sync {

inline constexpr int kDefaultZstdLevel = 3;

// Compresses `data` into one zstd frame (content size recorded).
[[nodiscard]] Result<Bytes> ZstdCompress(ByteSpan data, int level = kDefaultZstdLevel);

// Decompresses one zstd frame. Errors: kCompression when the frame is
// damaged or would exceed `max_bytes` (a bound against decompression bombs).
[[nodiscard]] Result<Bytes> ZstdDecompress(ByteSpan frame, std::size_t max_bytes);

}  // namespace akari::sync
