#include "crypto/argon2id.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "crypto/errors.h"
#include "crypto/sodium.h"

namespace akari::crypto {

bool Argon2idParamsValid(const Argon2idParams& params) {
  return params.ops_limit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
         params.ops_limit <= crypto_pwhash_argon2id_OPSLIMIT_MAX &&
         params.mem_limit_bytes >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
         params.mem_limit_bytes <= crypto_pwhash_argon2id_MEMLIMIT_MAX;
}

Result<SecretBuffer> DeriveArgon2id(std::span<const std::uint8_t> passphrase, std::span<const std::uint8_t> salt,
                                    const Argon2idParams& params, std::size_t out_bytes) {
  AKARI_TRY(EnsureSodium());
  if (salt.size() != kArgon2idSaltBytes) {
    return MakeError(CryptoErrc::kInvalidArgument, "Argon2id salt must be 16 bytes");
  }
  if (!Argon2idParamsValid(params)) {
    return MakeError(CryptoErrc::kInvalidArgument, "Argon2id parameters out of range (ops " +
                                                       std::to_string(params.ops_limit) + ", memory " +
                                                       std::to_string(params.mem_limit_bytes) + " bytes)");
  }
  AKARI_ASSIGN_OR_RETURN(SecretBuffer key, SecretBuffer::Allocate(out_bytes));
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase.data()), passphrase.size(),
                    salt.data(), params.ops_limit, params.mem_limit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(CryptoErrc::kOutOfMemory, "Argon2id needs " + std::to_string(params.mem_limit_bytes >> 20) +
                                                   " MiB of memory and could not get it");
  }
  return key;
}

Result<std::string> HashSecretArgon2idString(std::span<const std::uint8_t> secret, const Argon2idParams& params) {
  AKARI_TRY(EnsureSodium());
  if (!Argon2idParamsValid(params)) {
    return MakeError(CryptoErrc::kInvalidArgument, "Argon2id parameters out of range (ops " +
                                                       std::to_string(params.ops_limit) + ", memory " +
                                                       std::to_string(params.mem_limit_bytes) + " bytes)");
  }
  std::array<char, crypto_pwhash_argon2id_STRBYTES> out{};
  if (crypto_pwhash_argon2id_str(out.data(), reinterpret_cast<const char*>(secret.data()), secret.size(),
                                 params.ops_limit, params.mem_limit_bytes) != 0) {
    return MakeError(CryptoErrc::kOutOfMemory, "Argon2id needs " + std::to_string(params.mem_limit_bytes >> 20) +
                                                   " MiB of memory and could not get it");
  }
  return std::string(out.data());
}

bool VerifySecretArgon2idString(std::string_view hash, std::span<const std::uint8_t> secret) {
  if (!EnsureSodium() || hash.size() >= crypto_pwhash_argon2id_STRBYTES) return false;
  std::array<char, crypto_pwhash_argon2id_STRBYTES> text{};
  std::copy(hash.begin(), hash.end(), text.begin());
  return crypto_pwhash_argon2id_str_verify(text.data(), reinterpret_cast<const char*>(secret.data()), secret.size()) ==
         0;
}

Argon2idParams CalibrateArgon2id(std::chrono::milliseconds target, std::size_t mem_limit_bytes) {
  Argon2idParams probe{2, mem_limit_bytes};
  std::array<std::uint8_t, kArgon2idSaltBytes> salt{};
  const std::array<std::uint8_t, 8> pass{'c', 'a', 'l', 'i', 'b', 'r', 'a', 't'};
  const auto start = std::chrono::steady_clock::now();
  (void)DeriveArgon2id(pass, salt, probe);
  const double ms_per_pass =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 2.0;
  const double passes = static_cast<double>(target.count()) / std::max(ms_per_pass, 0.001);
  probe.ops_limit = static_cast<std::uint64_t>(std::clamp(std::lround(passes), 2L, 64L));
  return probe;
}

}  // namespace akari::crypto
