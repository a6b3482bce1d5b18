// The content key: the 32-byte secretstream key every object of a
// publication is encrypted under, and its per-node envelopes (libsodium
// sealed boxes to each enrolled node's X25519 key). Removing a node makes
// the hub draw a new key, so the removed node cannot read later objects.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/keys.h"
#include "crypto/secret_buffer.h"

namespace akari::sync::publication {

inline constexpr std::size_t kContentKeyBytes = 32;
inline constexpr std::size_t kContentKeyIdBytes = 16;

struct ContentKey {
  std::string id;  // 32 lower-case hex digits (16 random bytes)
  crypto::SecretBuffer key;
};

// A fresh random key and id.
[[nodiscard]] Result<ContentKey> GenerateContentKey();

// Copies a key (the hub keeps keys in its store).
[[nodiscard]] Result<ContentKey> ContentKeyFrom(std::string_view id, crypto::SecretBuffer key);

// base64(crypto_box_seal(id bytes || key, node_box_key)).
[[nodiscard]] Result<std::string> SealContentKey(const ContentKey& key, const crypto::X25519PublicKey& node_box_key);

// Opens an envelope with this node's box keys and checks it holds the key
// `expected_id`. Error: kNoEnvelope (not for this node's key, damaged, or
// another key id than the manifest names).
[[nodiscard]] Result<ContentKey> OpenContentKey(std::string_view sealed_base64, std::string_view expected_id,
                                                const crypto::X25519PublicKey& box_public_key,
                                                const crypto::SecretBuffer& box_secret_key);

}  // namespace akari::sync::publication
