// Argon2id passphrase stretching (libsodium crypto_pwhash, version 1.3).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/secret_buffer.h"

namespace akari::crypto {

inline constexpr std::size_t kArgon2idSaltBytes = 16;

struct Argon2idParams {
  std::uint64_t ops_limit = 3;                          // passes over memory (t)
  std::size_t mem_limit_bytes = std::size_t{64} << 20;  // memory (m)
  friend bool operator==(const Argon2idParams&, const Argon2idParams&) = default;
};

// Derives `out_bytes` of key from `passphrase` and `salt`. Errors:
// kInvalidArgument (params outside libsodium's limits), kOutOfMemory.
[[nodiscard]] Result<SecretBuffer> DeriveArgon2id(std::span<const std::uint8_t> passphrase,
                                                  std::span<const std::uint8_t> salt, const Argon2idParams& params,
                                                  std::size_t out_bytes = 32);

// Picks parameters that take about `target` on this machine: memory fixed at
// `mem_limit_bytes`, passes scaled from a short measurement (at least 2).
// Takes about a third of `target` to run.
Argon2idParams CalibrateArgon2id(std::chrono::milliseconds target, std::size_t mem_limit_bytes = std::size_t{64} << 20);

// True when libsodium accepts these parameters.
bool Argon2idParamsValid(const Argon2idParams& params);

// A self-describing Argon2id hash of a short secret (an operator PIN) in the
// PHC string form of libsodium's crypto_pwhash_str ("$argon2id$v=19$m=…"):
// random salt and parameters are inside the string. Errors: kInvalidArgument
// (params out of range), kOutOfMemory.
[[nodiscard]] Result<std::string> HashSecretArgon2idString(std::span<const std::uint8_t> secret,
                                                           const Argon2idParams& params);

// True when `secret` matches a string from HashSecretArgon2idString; false
// on a mismatch or a malformed string.
bool VerifySecretArgon2idString(std::string_view hash, std::span<const std::uint8_t> secret);

}  // namespace akari::crypto
