#include "sync/publication/content_key.h"

#include <sodium.h>

#include "crypto/encoding.h"
#include "crypto/sodium.h"
#include "sync/errors.h"

namespace akari::sync::publication {
namespace {

constexpr std::size_t kPlainBytes = kContentKeyIdBytes + kContentKeyBytes;

std::unexpected<Error> NotForUs(std::string_view why) {
  return MakeError(SyncErrc::kNoEnvelope, "the content-key envelope for this node " + std::string(why) +
                                              "; ask the hub administrator to check this node's enrollment");
}

}  // namespace

Result<ContentKey> GenerateContentKey() {
  AKARI_TRY(crypto::EnsureSodium());
  std::array<std::uint8_t, kContentKeyIdBytes> id{};
  crypto::RandomBytes(id);
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer key, crypto::SecretBuffer::Allocate(kContentKeyBytes));
  crypto::RandomBytes(key.span());
  return ContentKey{ToHex(id), std::move(key)};
}

Result<ContentKey> ContentKeyFrom(std::string_view id, crypto::SecretBuffer key) {
  if (key.size() != kContentKeyBytes || id.size() != 2 * kContentKeyIdBytes || !FromHex(id)) {
    return MakeError(SyncErrc::kInvalidArgument, "a content key is 32 bytes with a 32-hex-digit id");
  }
  return ContentKey{std::string(id), std::move(key)};
}

Result<std::string> SealContentKey(const ContentKey& key, const crypto::X25519PublicKey& node_box_key) {
  AKARI_TRY(crypto::EnsureSodium());
  const auto id = FromHex(key.id);
  if (!id || id->size() != kContentKeyIdBytes || key.key.size() != kContentKeyBytes) {
    return MakeError(SyncErrc::kInvalidArgument, "malformed content key");
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer plain, crypto::SecretBuffer::Allocate(kPlainBytes));
  std::copy(id->begin(), id->end(), plain.data());
  std::copy(key.key.data(), key.key.data() + kContentKeyBytes, plain.data() + kContentKeyIdBytes);
  Bytes sealed(kPlainBytes + crypto_box_SEALBYTES);
  if (crypto_box_seal(sealed.data(), plain.data(), plain.size(), node_box_key.data()) != 0) {
    return MakeError(SyncErrc::kInvalidArgument, "sealing the content key failed");
  }
  return crypto::Base64Encode(sealed);
}

Result<ContentKey> OpenContentKey(std::string_view sealed_base64, std::string_view expected_id,
                                  const crypto::X25519PublicKey& box_public_key,
                                  const crypto::SecretBuffer& box_secret_key) {
  AKARI_TRY(crypto::EnsureSodium());
  const auto sealed = crypto::Base64Decode(sealed_base64);
  if (!sealed || sealed->size() != kPlainBytes + crypto_box_SEALBYTES) return NotForUs("is malformed");
  if (box_secret_key.size() != crypto::kX25519SecretKeyBytes) {
    return MakeError(SyncErrc::kInvalidArgument, "the node's box secret key must be 32 bytes");
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer plain, crypto::SecretBuffer::Allocate(kPlainBytes));
  if (crypto_box_seal_open(plain.data(), sealed->data(), sealed->size(), box_public_key.data(),
                           box_secret_key.data()) != 0) {
    return NotForUs("does not open with this node's key (it was made for another node)");
  }
  if (ToHex(plain.span().first(kContentKeyIdBytes)) != expected_id) {
    return NotForUs("holds another key than the manifest names");
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer key,
                         crypto::SecretBuffer::CopyOf(plain.span().subspan(kContentKeyIdBytes, kContentKeyBytes)));
  return ContentKey{std::string(expected_id), std::move(key)};
}

}  // namespace akari::sync::publication
