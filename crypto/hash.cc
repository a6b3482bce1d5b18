#include "crypto/hash.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace akari::crypto {

static_assert(sizeof(crypto_generichash_state) <= 384);

Hash32 Blake2b256(ByteSpan data) {
  (void)EnsureSodium();
  Hash32 out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Hash16 Blake2b128(ByteSpan data, ByteSpan key) {
  (void)EnsureSodium();
  Hash16 out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), key.empty() ? nullptr : key.data(), key.size());
  return out;
}

Blake2b256Hasher::Blake2b256Hasher() {
  (void)EnsureSodium();
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, 32);
}

void Blake2b256Hasher::Update(ByteSpan data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(), data.size());
}

Hash32 Blake2b256Hasher::Finish() {
  Hash32 out{};
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), out.data(), out.size());
  return out;
}

}  // namespace akari::crypto
