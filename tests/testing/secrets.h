// Secrets for tests.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/bytes.h"
#include "crypto/argon2id.h"
#include "crypto/secret_buffer.h"

namespace akari::testing {

// Argon2id parameters for tests: one pass over 8 MiB, so that creating a
// keystore takes milliseconds. Far too weak for a node (crypto/argon2id.h
// has the real defaults).
inline constexpr crypto::Argon2idParams kFastArgon2id{1, std::size_t{8} << 20};

// `text` (a passphrase, a PIN) in a secret buffer.
inline crypto::SecretBuffer Secret(std::string_view text) {
  return crypto::SecretBuffer::CopyOf(AsBytes(text)).value();
}

}  // namespace akari::testing
