#include "crypto/keys.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace akari::crypto {

Result<SigningKeyPair> GenerateSigningKeyPair() {
  SigningKeyPair pair;
  AKARI_ASSIGN_OR_RETURN(pair.secret_key, SecretBuffer::Allocate(crypto_sign_SECRETKEYBYTES));
  crypto_sign_keypair(pair.public_key.data(), pair.secret_key.data());
  return pair;
}

Result<BoxKeyPair> GenerateBoxKeyPair() {
  BoxKeyPair pair;
  AKARI_ASSIGN_OR_RETURN(pair.secret_key, SecretBuffer::Allocate(crypto_box_SECRETKEYBYTES));
  crypto_box_keypair(pair.public_key.data(), pair.secret_key.data());
  return pair;
}

Ed25519Signature Sign(const SecretBuffer& secret_key, ByteSpan message) {
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key.data());
  return sig;
}

bool Verify(const Ed25519PublicKey& public_key, ByteSpan message, ByteSpan signature) {
  if (!EnsureSodium() || signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

Ed25519PublicKey SigningPublicKeyOf(const SecretBuffer& secret_key) {
  Ed25519PublicKey pk{};
  crypto_sign_ed25519_sk_to_pk(pk.data(), secret_key.data());
  return pk;
}

X25519PublicKey BoxPublicKeyOf(const SecretBuffer& secret_key) {
  X25519PublicKey pk{};
  crypto_scalarmult_base(pk.data(), secret_key.data());
  return pk;
}

}  // namespace akari::crypto
