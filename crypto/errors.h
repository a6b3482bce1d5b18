// Errors of the crypto module (category "akari.crypto").
#pragma once

#include <system_error>

namespace akari::crypto {

enum class CryptoErrc {
  kInitFailed = 1,   // libsodium could not initialise
  kOutOfMemory,      // secure (locked) memory could not be allocated
  kWrongPassphrase,  // no key slot opens with the passphrase given
  kKeystoreCorrupt,  // the keystore file is damaged, truncated or not a keystore
  kKeystoreMissing,  // there is no keystore file where one was expected
  kLastSlot,         // refusing to remove the only remaining key slot
  kNoSuchSlot,       // a key slot id that the keystore does not have
  kInvalidArgument,  // a caller passed something unusable (empty passphrase, bad size)
  kDecryptFailed,    // authenticated decryption failed (tampered or wrong key)
  kBadSignature,     // a signature did not verify
  kIo,               // reading or writing a file failed
};

const std::error_category& CryptoCategory();

inline std::error_code make_error_code(CryptoErrc e) {
  return {static_cast<int>(e), CryptoCategory()};
}

}  // namespace akari::crypto

template <>
struct std::is_error_code_enum<akari::crypto::CryptoErrc> : std::true_type {};
