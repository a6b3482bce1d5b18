// The node's TLS identity for serving on the LAN: a self-signed certificate
// created at the first start that needs it, identified to staff by its
// SHA-256 fingerprint (`akari status`, GET /v1/status) so that tablets can
// pin it.
//
// It lives in the node's encrypted store (meta tls_certificate_pem and
// tls_private_key_pem), not in files: the private key is never on disk in
// the clear, and a backup carries it, so a restored node keeps its
// fingerprint and the tablets that pinned it keep trusting it. Nodes from
// before kept it in DIR/tls-cert.pem and DIR/tls-key.pem; the next
// EnsureNodeTlsIdentity moves such an identity into the store and removes
// the files. The same two files are how an administrator replaces the
// identity (with a certificate of their own CA, say).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/tls_certificate.h"
#include "node/node_dir.h"

namespace akari::node {

// Where nodes before the store kept their identity.
inline constexpr const char* kTlsCertificateFile = "tls-cert.pem";
inline constexpr const char* kTlsKeyFile = "tls-key.pem";

// The node's identity: the one in DIR/tls-cert.pem and DIR/tls-key.pem if
// both exist (an older node's, or one an administrator put there to
// replace it: moved into the store, replacing what was there, and the files
// removed); else the one in the store; else a new one (ECDSA P-256, valid 5
// years, CN "akari-node-<node_id>"), stored. Safe against another process
// doing the same at once (one write transaction), and against being killed
// at any point. Errors (ServiceErrc::kIo), each leaving the store and the
// files as they were: two files that cannot serve (crypto::CheckTlsIdentity:
// a key that is not the certificate's, an encrypted key) or cannot be read;
// a certificate without its key (a replacement not yet complete); a key
// without its certificate and no identity in the store (a half-written or
// tampered identity is never replaced silently; beside a stored one it is
// what a killed move left, and is removed); a stored key without its
// certificate. Also store errors, and crypto errors from creation.
[[nodiscard]] Result<crypto::TlsIdentity> EnsureNodeTlsIdentity(OpenNode& node);

// The lower-case hex SHA-256 fingerprint of the certificate the node serves
// at its next start (the files', if both exist and can serve, else the
// store's), or nullopt when it has none yet.
[[nodiscard]] Result<std::optional<std::string>> NodeTlsFingerprint(OpenNode& node);

// True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool IsLoopbackAddress(std::string_view address);

}  // namespace akari::node
