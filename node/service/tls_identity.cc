#include "node/service/tls_identity.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "node/service/errors.h"

namespace akari::node {

crypto::TlsIdentityFiles NodeTlsFiles(const std::filesystem::path& dir) {
  return {dir / kTlsCertificateFile, dir / kTlsKeyFile};
}

Result<crypto::TlsIdentityFiles> EnsureNodeTlsIdentity(const std::filesystem::path& dir, std::string_view node_id) {
  const crypto::TlsIdentityFiles files = NodeTlsFiles(dir);
  std::error_code ec;
  const bool have_cert = std::filesystem::exists(files.certificate_pem, ec);
  const bool have_key = std::filesystem::exists(files.private_key_pem, ec);
  if (have_cert && have_key) return files;
  if (have_cert != have_key) {
    return MakeError(ServiceErrc::kIo, "the node's TLS identity in " + dir.string() + " is incomplete (" +
                                           (have_cert ? files.private_key_pem : files.certificate_pem).string() +
                                           " is missing); remove both " + kTlsCertificateFile + " and " + kTlsKeyFile +
                                           " to create a new one, and tell staff the new fingerprint");
  }
  AKARI_TRY(crypto::CreateSelfSignedTlsIdentity(files, "akari-node-" + std::string(node_id),
                                                std::chrono::hours(24 * 365 * 5)));
  return files;
}

Result<std::optional<std::string>> NodeTlsFingerprint(const std::filesystem::path& dir) {
  const crypto::TlsIdentityFiles files = NodeTlsFiles(dir);
  std::error_code ec;
  if (!std::filesystem::exists(files.certificate_pem, ec)) return std::optional<std::string>();
  AKARI_ASSIGN_OR_RETURN(std::string fp, crypto::CertificateFingerprintSha256(files.certificate_pem));
  return std::optional<std::string>(std::move(fp));
}

bool IsLoopbackAddress(std::string_view address) {
  const std::string text(address);
  std::array<std::uint8_t, 16> raw{};
  if (::inet_pton(AF_INET, text.c_str(), raw.data()) == 1) return raw[0] == 127;
  if (::inet_pton(AF_INET6, text.c_str(), raw.data()) != 1) return false;
  const bool leading_zeros = std::all_of(raw.begin(), raw.begin() + 10, [](std::uint8_t b) { return b == 0; });
  if (leading_zeros && raw[10] == 0 && raw[11] == 0 &&
      std::all_of(raw.begin() + 12, raw.begin() + 15, [](std::uint8_t b) { return b == 0; }))
    return raw[15] == 1;                                                         // ::1
  return leading_zeros && raw[10] == 0xff && raw[11] == 0xff && raw[12] == 127;  // ::ffff:127.x.y.z
}

}  // namespace akari::node
