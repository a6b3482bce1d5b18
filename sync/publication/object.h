// Publication objects: a payload, compressed and encrypted, named by the
// BLAKE2b-256 of the resulting bytes.
//
//   plaintext = "AKO1" || kind (1 byte) || zstd frame of the payload
//   file      = secretstream XChaCha20-Poly1305 header (24 bytes) || messages
//
// The plaintext is cut into messages of 65536 bytes (the last may be
// shorter), each pushed with tag MESSAGE except the last, pushed with tag
// FINAL, so a truncated object fails authentication. No associated data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"
#include "sync/publication/manifest.h"

namespace akari::sync::publication {

enum class ObjectKind : std::uint8_t { kChunk = 1, kDelta = 2, kTrust = 3, kDictionary = 4 };

inline constexpr std::size_t kObjectMessageBytes = 65536;
inline constexpr std::size_t kMaxPayloadBytes = std::size_t{256} << 20;

struct SealedObject {
  Bytes bytes;
  ObjectRef ref;         // hash and size of `bytes`
  std::string plain_id;  // PlainIdOf(kind, payload)
};

// Hex BLAKE2b-256 of object bytes: the object's name.
std::string ObjectHashOf(ByteSpan object_bytes);

// Hex BLAKE2b-256 of "akari-object-id/1" || kind || payload: equal payloads
// have equal ids whatever key or nonce encrypted them.
std::string PlainIdOf(ObjectKind kind, ByteSpan payload);

// Compresses and encrypts `payload` under `key` (32 bytes).
[[nodiscard]] Result<SealedObject> SealObject(ObjectKind kind, ByteSpan payload, const crypto::SecretBuffer& key,
                                              int zstd_level = 3);

// Checks `object_bytes` against `ref` (size, then hash). Error:
// kObjectMismatch naming the object.
[[nodiscard]] Status CheckObjectRef(ByteSpan object_bytes, const ObjectRef& ref);

// Decrypts and decompresses, after CheckObjectRef. Errors: kObjectMismatch
// (size, hash, authentication, truncation, wrong kind), kCorruptDocument
// (authentic but undecodable: a hub defect).
[[nodiscard]] Result<Bytes> OpenObject(ByteSpan object_bytes, const ObjectRef& ref, ObjectKind kind,
                                       const crypto::SecretBuffer& key, std::size_t max_payload = kMaxPayloadBytes);

// Checks size, hash and authentication of an object file without keeping
// its plaintext (before anything is applied). Errors as OpenObject plus kIo.
[[nodiscard]] Status VerifyObjectFile(const std::filesystem::path& file, const ObjectRef& ref,
                                      const crypto::SecretBuffer& key);

// Reads an object file and opens it.
[[nodiscard]] Result<Bytes> OpenObjectFile(const std::filesystem::path& file, const ObjectRef& ref, ObjectKind kind,
                                           const crypto::SecretBuffer& key);

}  // namespace akari::sync::publication
