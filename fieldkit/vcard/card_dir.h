// A CARD_DIR (docs/formats.md): what any JPKI card emulator needs to present
// one person's card. `akari-gen card` writes it; akari-vcard reads it.
//   cert.der  the user-authentication certificate
//   key.pem   its RSA-2048 private key (PKCS#8 PEM)
//   ca.der    the issuing test CA's certificate (the card's EF 000B)
//   person    the person id as text
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/openssl.h"

namespace akari::fieldkit {

struct CardDir {
  Bytes cert_der;
  crypto::EvpPkeyPtr key;
  Bytes ca_der;
  std::optional<std::int64_t> person_id;  // absent when the file is missing
};

// Reads and checks a CARD_DIR: the certificate parses and the key matches
// it. Errors (FieldkitErrc): kNotFound (a file is missing, named),
// kInvalidArgument (a file does not parse, or the key is not the
// certificate's).
[[nodiscard]] Result<CardDir> LoadCardDir(const std::filesystem::path& dir);

// Writes a CARD_DIR (the directory is created). For tests and tools that
// issue cards themselves.
[[nodiscard]] Status WriteCardDir(const std::filesystem::path& dir, const X509& cert, EVP_PKEY& key, const X509& ca,
                                  std::optional<std::int64_t> person_id);

}  // namespace akari::fieldkit
