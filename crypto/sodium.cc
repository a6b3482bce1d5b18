#include "crypto/sodium.h"

#include <sodium.h>

#include "crypto/errors.h"

namespace akari::crypto {

Status EnsureSodium() {
  // sodium_init is thread-safe and idempotent; caching the answer keeps the
  // hot paths that call this cheap.
  static const int rc = sodium_init();
  if (rc < 0) return MakeError(CryptoErrc::kInitFailed, "libsodium failed to initialise");
  return {};
}

void RandomBytes(std::span<std::uint8_t> out) {
  randombytes_buf(out.data(), out.size());
}

}  // namespace akari::crypto
