// Self-signed TLS certificates for a node's LAN API and a hub: generated at
// first start, identified to users and peers by their SHA-256 fingerprint
// (shown by `status`, pinned by clients).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"

namespace akari::crypto {

struct TlsIdentityFiles {
  std::filesystem::path certificate_pem;
  std::filesystem::path private_key_pem;
};

// A TLS identity in memory: the certificate's PEM, and the private key's
// PEM (PKCS#8, unencrypted) in locked memory that is wiped when freed.
struct TlsIdentity {
  std::string certificate_pem;
  SecretBuffer private_key_pem;
};

// Creates an ECDSA P-256 key and a self-signed certificate for `common_name`
// (also as a DNS subjectAltName, plus IP 127.0.0.1) valid for `validity`.
// The key's PEM never passes through ordinary memory. Errors: kInvalidArgument
// (OpenSSL), kOutOfMemory.
[[nodiscard]] Result<TlsIdentity> CreateSelfSignedTlsIdentity(std::string_view common_name,
                                                              std::chrono::hours validity);

// The same, written to both files with mode 0600 (atomically). Errors: kIo,
// kInvalidArgument.
[[nodiscard]] Status CreateSelfSignedTlsIdentity(const TlsIdentityFiles& files, std::string_view common_name,
                                                 std::chrono::hours validity);

// Checks that `identity` can serve: its certificate and private key parse
// and the key is the certificate's. Errors: kInvalidArgument saying which
// part is wrong.
[[nodiscard]] Status CheckTlsIdentity(const TlsIdentity& identity);

// Lower-case hex SHA-256 of the certificate's DER in a PEM file: the pin.
[[nodiscard]] Result<std::string> CertificateFingerprintSha256(const std::filesystem::path& certificate_pem);
// The same for PEM text. Errors: kInvalidArgument (not a PEM certificate).
[[nodiscard]] Result<std::string> CertificatePemFingerprintSha256(std::string_view certificate_pem);

// "AB:CD:…" form of a hex fingerprint, for people comparing it by eye.
std::string FormatFingerprint(std::string_view hex);

}  // namespace akari::crypto
