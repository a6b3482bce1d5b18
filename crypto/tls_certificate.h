// Self-signed TLS certificates for a node's LAN API and a hub: generated at
// first start, identified to users and peers by their SHA-256 fingerprint
// (shown by `status`, pinned by clients).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace akari::crypto {

struct TlsIdentityFiles {
  std::filesystem::path certificate_pem;
  std::filesystem::path private_key_pem;
};

// Creates an ECDSA P-256 key and a self-signed certificate for `common_name`
// (also as a DNS subjectAltName, plus IP 127.0.0.1) valid for `validity`,
// and writes both files with mode 0600 (atomically). Errors: kIo, kInvalidArgument.
[[nodiscard]] Status CreateSelfSignedTlsIdentity(const TlsIdentityFiles& files, std::string_view common_name,
                                                 std::chrono::hours validity);

// Lower-case hex SHA-256 of the certificate's DER in a PEM file: the pin.
[[nodiscard]] Result<std::string> CertificateFingerprintSha256(const std::filesystem::path& certificate_pem);

// "AB:CD:…" form of a hex fingerprint, for people comparing it by eye.
std::string FormatFingerprint(std::string_view hex);

}  // namespace akari::crypto
