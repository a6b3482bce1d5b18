// The node's TLS identity for serving on the LAN: a self-signed certificate
// created at the first start that needs it, kept in the node directory
// (mode 0600), identified to staff by its SHA-256 fingerprint (`akari
// status`, GET /v1/status) so that tablets can pin it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/tls_certificate.h"

namespace akari::node {

inline constexpr const char* kTlsCertificateFile = "tls-cert.pem";
inline constexpr const char* kTlsKeyFile = "tls-key.pem";

crypto::TlsIdentityFiles NodeTlsFiles(const std::filesystem::path& dir);

// Returns the identity in `dir`, creating it (ECDSA P-256, valid 5 years,
// CN "akari-node-<node_id>") when neither file exists. Errors: ServiceErrc::kIo
// when only one of the two files exists (a half-written or tampered identity
// is never replaced silently), crypto errors from creation.
[[nodiscard]] Result<crypto::TlsIdentityFiles> EnsureNodeTlsIdentity(const std::filesystem::path& dir,
                                                                     std::string_view node_id);

// The lower-case hex SHA-256 fingerprint of the node's certificate, or
// nullopt when the node has none yet.
[[nodiscard]] Result<std::optional<std::string>> NodeTlsFingerprint(const std::filesystem::path& dir);

// True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool IsLoopbackAddress(std::string_view address);

}  // namespace akari::node
