#include "sync/publication/object.h"

#include <sodium.h>

#include "base/errors.h"
#include "base/file.h"
#include "crypto/hash.h"
#include "crypto/sodium.h"
#include "sync/compression.h"
#include "sync/errors.h"
#include "sync/publication/layout.h"

namespace akari::sync::publication {
namespace {

constexpr std::string_view kMagic = "AKO1";
constexpr std::size_t kHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kTagBytes = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::size_t kCipherMessageBytes = kObjectMessageBytes + kTagBytes;

std::unexpected<Error> Mismatch(const ObjectRef& ref, std::string_view what) {
  return MakeError(SyncErrc::kObjectMismatch, "object " + ref.hash.substr(0, 16) + "… " + std::string(what) +
                                                  "; it was damaged, truncated or replaced. Nothing was applied; "
                                                  "sync again (the object is fetched anew)");
}

// Decrypts all messages; with `out` == nullptr only authenticates.
Status Decrypt(ByteSpan bytes, const ObjectRef& ref, const crypto::SecretBuffer& key, Bytes* out) {
  if (key.size() != crypto_secretstream_xchacha20poly1305_KEYBYTES) {
    return MakeError(SyncErrc::kInvalidArgument, "the content key must be 32 bytes");
  }
  if (bytes.size() < kHeaderBytes + kTagBytes) return Mismatch(ref, "is too short");
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, bytes.data(), key.data()) != 0) {
    return Mismatch(ref, "has a bad header");
  }
  Bytes scratch(kObjectMessageBytes);
  if (out != nullptr) out->reserve(bytes.size());
  std::size_t pos = kHeaderBytes;
  bool final = false;
  while (pos < bytes.size()) {
    if (final) return Mismatch(ref, "has data after its final message");
    const std::size_t n = std::min(kCipherMessageBytes, bytes.size() - pos);
    if (n <= kTagBytes) return Mismatch(ref, "ends in a partial message");
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state, scratch.data(), &plain_len, &tag, bytes.data() + pos, n,
                                                   nullptr, 0) != 0) {
      sodium_memzero(&state, sizeof state);
      return Mismatch(ref, "fails authentication");
    }
    final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (out != nullptr)
      out->insert(out->end(), scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(plain_len));
    pos += n;
  }
  sodium_memzero(&state, sizeof state);
  sodium_memzero(scratch.data(), scratch.size());
  if (!final) return Mismatch(ref, "is truncated (no final message)");
  return {};
}

}  // namespace

std::string ObjectHashOf(ByteSpan object_bytes) {
  return ToHex(crypto::Blake2b256(object_bytes));
}

std::string PlainIdOf(ObjectKind kind, ByteSpan payload) {
  crypto::Blake2b256Hasher h;
  h.Update(AsBytes("akari-object-id/1"));
  const std::uint8_t k = static_cast<std::uint8_t>(kind);
  h.Update(ByteSpan(&k, 1));
  h.Update(payload);
  return ToHex(h.Finish());
}

Result<SealedObject> SealObject(ObjectKind kind, ByteSpan payload, const crypto::SecretBuffer& key, int zstd_level) {
  AKARI_TRY(crypto::EnsureSodium());
  if (key.size() != crypto_secretstream_xchacha20poly1305_KEYBYTES) {
    return MakeError(SyncErrc::kInvalidArgument, "the content key must be 32 bytes");
  }
  AKARI_ASSIGN_OR_RETURN(Bytes frame, ZstdCompress(payload, zstd_level));
  Bytes plain = BytesOf(kMagic);
  plain.push_back(static_cast<std::uint8_t>(kind));
  plain.insert(plain.end(), frame.begin(), frame.end());

  const std::size_t messages = (plain.size() + kObjectMessageBytes - 1) / kObjectMessageBytes;
  SealedObject out;
  out.bytes.resize(kHeaderBytes + plain.size() + messages * kTagBytes);
  crypto_secretstream_xchacha20poly1305_state state;
  crypto_secretstream_xchacha20poly1305_init_push(&state, out.bytes.data(), key.data());
  std::size_t in = 0, pos = kHeaderBytes;
  for (std::size_t i = 0; i < messages; ++i) {
    const std::size_t n = std::min(kObjectMessageBytes, plain.size() - in);
    const unsigned char tag = i + 1 == messages ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                                : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    unsigned long long written = 0;
    crypto_secretstream_xchacha20poly1305_push(&state, out.bytes.data() + pos, &written, plain.data() + in, n, nullptr,
                                               0, tag);
    in += n;
    pos += static_cast<std::size_t>(written);
  }
  sodium_memzero(&state, sizeof state);
  sodium_memzero(plain.data(), plain.size());
  out.ref = {ObjectHashOf(out.bytes), static_cast<std::int64_t>(out.bytes.size())};
  out.plain_id = PlainIdOf(kind, payload);
  return out;
}

Status CheckObjectRef(ByteSpan object_bytes, const ObjectRef& ref) {
  if (static_cast<std::int64_t>(object_bytes.size()) != ref.size) {
    return Mismatch(ref,
                    "has " + std::to_string(object_bytes.size()) + " bytes instead of " + std::to_string(ref.size));
  }
  if (ObjectHashOf(object_bytes) != ref.hash) return Mismatch(ref, "does not match its hash");
  return {};
}

Result<Bytes> OpenObject(ByteSpan object_bytes, const ObjectRef& ref, ObjectKind kind, const crypto::SecretBuffer& key,
                         std::size_t max_payload) {
  AKARI_TRY(CheckObjectRef(object_bytes, ref));
  Bytes plain;
  AKARI_TRY(Decrypt(object_bytes, ref, key, &plain));
  if (plain.size() < kMagic.size() + 1 || ToString(ByteSpan(plain).first(kMagic.size())) != kMagic) {
    return Mismatch(ref, "is not an Akari object");
  }
  if (plain[kMagic.size()] != static_cast<std::uint8_t>(kind)) {
    return Mismatch(ref, "is another kind of object than the manifest says");
  }
  auto payload = ZstdDecompress(ByteSpan(plain).subspan(kMagic.size() + 1), max_payload);
  sodium_memzero(plain.data(), plain.size());
  if (!payload) {
    return MakeError(SyncErrc::kCorruptDocument, "object " + ref.hash.substr(0, 16) +
                                                     "… is authentic but cannot be decompressed (" +
                                                     payload.error().message + "); report this to the hub operator");
  }
  return std::move(*payload);
}

Status VerifyObjectFile(const std::filesystem::path& file, const ObjectRef& ref, const crypto::SecretBuffer& key) {
  auto bytes = ReadFileBytes(file, kMaxObjectBytes);
  if (!bytes) return MakeError(SyncErrc::kIo, bytes.error().message);
  AKARI_TRY(CheckObjectRef(*bytes, ref));
  return Decrypt(*bytes, ref, key, nullptr);
}

Result<Bytes> OpenObjectFile(const std::filesystem::path& file, const ObjectRef& ref, ObjectKind kind,
                             const crypto::SecretBuffer& key) {
  auto bytes = ReadFileBytes(file, kMaxObjectBytes);
  if (!bytes) return MakeError(SyncErrc::kIo, bytes.error().message);
  return OpenObject(*bytes, ref, kind, key);
}

}  // namespace akari::sync::publication
