#include "node/service/tls_identity.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/file.h"
#include "node/audit/audit_log.h"
#include "node/service/errors.h"
#include "node/store/meta_keys.h"
#include "node/store/store.h"

namespace akari::node {

namespace {

// The identity in the store, if any. The key is read straight into locked
// memory (not through Store::GetMeta's std::string).
Result<std::optional<crypto::TlsIdentity>> StoredIdentity(store::Store& store, const std::filesystem::path& dir) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s, store.database().Prepare("SELECT value FROM meta WHERE key = ?"));
  s.Bind(1, store::meta::kTlsPrivateKeyPem);
  AKARI_ASSIGN_OR_RETURN(const bool have_key, s.Step());
  if (!have_key) return std::optional<crypto::TlsIdentity>();
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer key, crypto::SecretBuffer::CopyOf(s.ColumnBlob(0)));
  s.Reset();
  AKARI_ASSIGN_OR_RETURN(const auto certificate, store.GetMeta(store::meta::kTlsCertificatePem));
  if (!certificate) {
    return MakeError(ServiceErrc::kIo,
                     "the node's store holds a TLS key without its certificate. Put a certificate "
                     "and its key in " +
                         (dir / kTlsCertificateFile).string() + " and " + (dir / kTlsKeyFile).string() +
                         " (the next start takes them in), and tell staff the new fingerprint");
  }
  return std::optional<crypto::TlsIdentity>(crypto::TlsIdentity{*certificate, std::move(key)});
}

// Which of the two identity files are in `dir`.
struct IdentityFiles {
  bool certificate = false;
  bool key = false;
};
IdentityFiles IdentityFilesIn(const std::filesystem::path& dir) {
  std::error_code ec;
  return {std::filesystem::exists(dir / kTlsCertificateFile, ec), std::filesystem::exists(dir / kTlsKeyFile, ec)};
}

std::unexpected<Error> IncompleteFiles(const std::filesystem::path& dir, const IdentityFiles& present) {
  return MakeError(ServiceErrc::kIo, "the node's TLS identity in " + dir.string() + " is incomplete (" +
                                         (dir / (present.certificate ? kTlsKeyFile : kTlsCertificateFile)).string() +
                                         " is missing); put both " + kTlsCertificateFile + " and " + kTlsKeyFile +
                                         " there, or remove the one that is there");
}

// The identity in the two files (both present). Read errors are returned;
// nothing is removed for them.
Result<crypto::TlsIdentity> IdentityInFiles(const std::filesystem::path& dir) {
  AKARI_ASSIGN_OR_RETURN(Bytes cert_pem, ReadFileBytes(dir / kTlsCertificateFile, 1 << 20));
  AKARI_ASSIGN_OR_RETURN(Bytes key_pem, ReadFileBytes(dir / kTlsKeyFile, 1 << 20));
  auto secret = crypto::SecretBuffer::CopyOf(key_pem);
  sodium_memzero(key_pem.data(), key_pem.size());
  if (!secret) return std::unexpected(secret.error());
  return crypto::TlsIdentity{ToString(cert_pem), std::move(*secret)};
}

// Overwrites a file that held a key, in place, then removes it: best
// effort (a journaling or flash file system may keep older blocks, and
// another hard link keeps the name), but the key no longer sits in the
// node's directory for anyone who copies it.
void WipeAndRemove(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      const std::array<char, 4096> zeros{};
      for (off_t done = 0; done < st.st_size;) {
        const auto n = ::pwrite(fd, zeros.data(),
                                std::min<std::size_t>(zeros.size(), static_cast<std::size_t>(st.st_size - done)), done);
        if (n <= 0) break;
        done += n;
      }
      ::fsync(fd);
    }
    ::close(fd);
  }
  std::error_code ec;
  std::filesystem::remove(file, ec);
}

// Keeps `identity` in the store and records the change in the audit log,
// in the caller's transaction: the server's identity is what staff's
// tablets trust, so the regional office sees when it changed and to what.
Status StoreIdentity(OpenNode& node, const crypto::TlsIdentity& identity, std::string_view source) {
  AKARI_TRY(node.store.SetMeta(store::meta::kTlsCertificatePem, identity.certificate_pem));
  AKARI_ASSIGN_OR_RETURN(db::Statement put,
                         node.store.database().Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"));
  AKARI_TRY(put.Bind(1, store::meta::kTlsPrivateKeyPem).BindBlob(2, identity.private_key_pem.span()).Run());
  AKARI_ASSIGN_OR_RETURN(std::string fingerprint, crypto::CertificatePemFingerprintSha256(identity.certificate_pem));
  AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                 SystemClock::Instance());
  AKARI_TRY(audit.Append(
      {"node.tls_identity", "system", std::nullopt, {{"source", std::string(source)}, {"fingerprint", fingerprint}}}));
  return {};
}

}  // namespace

Result<crypto::TlsIdentity> EnsureNodeTlsIdentity(OpenNode& node) {
  // One write transaction: `akari status` or a second serve cannot make a
  // second identity meanwhile.
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(node.store.database(), /*durable=*/true));
  const IdentityFiles present = IdentityFilesIn(node.dir);
  if (present.certificate && present.key) {
    // Files win over the store: they are an older node's identity, a move
    // killed after its commit, or a certificate an administrator put there
    // to replace the node's (or a damaged stored one). A pair that cannot
    // serve is refused, and the store and the files are left as they are:
    // an identity replaced by one that cannot serve would end serving.
    AKARI_ASSIGN_OR_RETURN(crypto::TlsIdentity identity, IdentityInFiles(node.dir));
    if (auto usable = crypto::CheckTlsIdentity(identity); !usable) {
      return MakeError(ServiceErrc::kIo, (node.dir / kTlsCertificateFile).string() + " and " + kTlsKeyFile +
                                             " cannot serve (" + usable.error().message +
                                             "). Put a matching certificate and unencrypted key there, or remove "
                                             "both to keep the node's present identity");
    }
    AKARI_TRY(StoreIdentity(node, identity, "files"));
    AKARI_TRY(tx.Commit());
    // The certificate first: a move killed in between leaves the key alone,
    // which the next start removes (below) since the store holds it.
    std::error_code ec;
    std::filesystem::remove(node.dir / kTlsCertificateFile, ec);
    WipeAndRemove(node.dir / kTlsKeyFile);
    return identity;
  }
  AKARI_ASSIGN_OR_RETURN(auto stored, StoredIdentity(node.store, node.dir));
  if (present.key) {
    // A key without its certificate: beside an identity in the store, what
    // a move killed between its two removals left; without one, a
    // half-written or tampered identity, never replaced silently.
    if (!stored) return IncompleteFiles(node.dir, present);
    WipeAndRemove(node.dir / kTlsKeyFile);
  }
  // A certificate without its key is no move's leftover (the certificate
  // goes first): an administrator's replacement not yet complete.
  if (present.certificate) return IncompleteFiles(node.dir, present);
  if (stored) return std::move(*stored);
  AKARI_ASSIGN_OR_RETURN(
      crypto::TlsIdentity identity,
      crypto::CreateSelfSignedTlsIdentity("akari-node-" + node.keystore.node_id(), std::chrono::hours(24 * 365 * 5)));
  AKARI_TRY(StoreIdentity(node, identity, "created"));
  AKARI_TRY(tx.Commit());
  return identity;
}

Result<std::optional<std::string>> NodeTlsFingerprint(OpenNode& node) {
  // As EnsureNodeTlsIdentity decides: two files that can serve win. Files
  // gone meanwhile were moved into the store by a serve, which has them.
  if (const IdentityFiles present = IdentityFilesIn(node.dir); present.certificate && present.key) {
    if (auto files = IdentityInFiles(node.dir); files && crypto::CheckTlsIdentity(*files)) {
      AKARI_ASSIGN_OR_RETURN(std::string fp, crypto::CertificatePemFingerprintSha256(files->certificate_pem));
      return std::optional<std::string>(std::move(fp));
    }
  }
  AKARI_ASSIGN_OR_RETURN(auto certificate, node.store.GetMeta(store::meta::kTlsCertificatePem));
  if (!certificate) return std::optional<std::string>();
  AKARI_ASSIGN_OR_RETURN(std::string fp, crypto::CertificatePemFingerprintSha256(*certificate));
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
