// Ed25519 signing keys and X25519 box keys (libsodium).
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"

namespace akari::crypto {

inline constexpr std::size_t kEd25519SecretKeyBytes = 64;
inline constexpr std::size_t kX25519SecretKeyBytes = 32;

using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;
using X25519PublicKey = std::array<std::uint8_t, 32>;

struct SigningKeyPair {
  Ed25519PublicKey public_key{};
  SecretBuffer secret_key;  // libsodium's 64-byte form (seed || public key)
};

struct BoxKeyPair {
  X25519PublicKey public_key{};
  SecretBuffer secret_key;  // 32 bytes
};

[[nodiscard]] Result<SigningKeyPair> GenerateSigningKeyPair();
[[nodiscard]] Result<BoxKeyPair> GenerateBoxKeyPair();

// Signs `message` (detached). `secret_key` must be 64 bytes.
Ed25519Signature Sign(const SecretBuffer& secret_key, ByteSpan message);

// True when `signature` is a valid Ed25519 signature of `message` by `public_key`.
bool Verify(const Ed25519PublicKey& public_key, ByteSpan message, ByteSpan signature);

// Derives the public key from a 64-byte Ed25519 secret key.
Ed25519PublicKey SigningPublicKeyOf(const SecretBuffer& secret_key);

// Derives the public key from a 32-byte X25519 secret key.
X25519PublicKey BoxPublicKeyOf(const SecretBuffer& secret_key);

}  // namespace akari::crypto
