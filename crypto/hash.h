// BLAKE2b hashing (libsodium crypto_generichash).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>

#include "base/bytes.h"
#include "base/result.h"

namespace akari::crypto {

using Hash32 = std::array<std::uint8_t, 32>;
using Hash16 = std::array<std::uint8_t, 16>;

// BLAKE2b-256 of `data`.
Hash32 Blake2b256(ByteSpan data);

// BLAKE2b-128 of `data`, optionally keyed (for index keys that must not be
// guessable from outside the store).
Hash16 Blake2b128(ByteSpan data, ByteSpan key = {});

// Incremental BLAKE2b-256 for data that arrives in pieces.
class Blake2b256Hasher {
 public:
  Blake2b256Hasher();
  void Update(ByteSpan data);
  Hash32 Finish();

 private:
  alignas(64) std::uint8_t state_[384];
};

// BLAKE2b-256 of a file's content, read in 1 MiB pieces (a snapshot object
// or a store of gigabytes is never held in memory), and its size.
struct FileDigest {
  Hash32 hash{};
  std::int64_t bytes = 0;
};
// Errors: BaseErrc::kIo (the message names the file).
[[nodiscard]] Result<FileDigest> HashFile(const std::filesystem::path& file);

}  // namespace akari::crypto
