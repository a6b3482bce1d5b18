#include "crypto/errors.h"

#include <string>

namespace akari::crypto {
namespace {

class CryptoCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.crypto"; }
  std::string message(int value) const override {
    switch (static_cast<CryptoErrc>(value)) {
      case CryptoErrc::kInitFailed:
        return "cryptographic library failed to initialise";
      case CryptoErrc::kOutOfMemory:
        return "secure memory exhausted";
      case CryptoErrc::kWrongPassphrase:
        return "wrong passphrase";
      case CryptoErrc::kKeystoreCorrupt:
        return "keystore corrupted";
      case CryptoErrc::kKeystoreMissing:
        return "keystore missing";
      case CryptoErrc::kLastSlot:
        return "cannot remove the last key slot";
      case CryptoErrc::kNoSuchSlot:
        return "no such key slot";
      case CryptoErrc::kInvalidArgument:
        return "invalid argument";
      case CryptoErrc::kDecryptFailed:
        return "decryption failed";
      case CryptoErrc::kBadSignature:
        return "bad signature";
      case CryptoErrc::kIo:
        return "input/output error";
    }
    return "unknown crypto error";
  }
};

}  // namespace

const std::error_category& CryptoCategory() {
  static const CryptoCategoryImpl category;
  return category;
}

}  // namespace akari::crypto
