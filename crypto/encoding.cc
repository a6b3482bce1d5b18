#include "crypto/encoding.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace akari::crypto {

std::string Base64Encode(ByteSpan bytes) {
  (void)EnsureSodium();
  const std::size_t len = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(len, '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(len - 1);  // drop the terminating NUL
  return out;
}

std::optional<Bytes> Base64Decode(std::string_view text) {
  if (!EnsureSodium()) return std::nullopt;
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace akari::crypto
