#include "fieldkit/vcard/card_dir.h"

#include <openssl/x509.h>

#include "base/errors.h"
#include "base/file.h"
#include "base/strings.h"
#include "fieldkit/errors.h"
#include "fieldkit/test_ca.h"

namespace akari::fieldkit {
namespace {

Result<Bytes> ReadPart(const std::filesystem::path& dir, const char* name) {
  auto bytes = ReadFileBytes(dir / name, std::size_t{1} << 20);
  if (bytes) return bytes;
  if (bytes.error().code == BaseErrc::kNotFound) {
    return MakeError(FieldkitErrc::kNotFound, "CARD_DIR " + dir.string() + " has no " + name +
                                                  " (a CARD_DIR holds cert.der, key.pem, ca.der and person)");
  }
  return MakeError(FieldkitErrc::kIo, bytes.error().message);
}

}  // namespace

Result<CardDir> LoadCardDir(const std::filesystem::path& dir) {
  CardDir out;
  AKARI_ASSIGN_OR_RETURN(out.cert_der, ReadPart(dir, "cert.der"));
  AKARI_ASSIGN_OR_RETURN(Bytes key_pem, ReadPart(dir, "key.pem"));
  AKARI_ASSIGN_OR_RETURN(out.ca_der, ReadPart(dir, "ca.der"));
  auto cert = crypto::ParseCertificateDer(out.cert_der);
  if (!cert)
    return MakeError(FieldkitErrc::kInvalidArgument, (dir / "cert.der").string() + ": " + cert.error().message);
  if (auto ca = crypto::ParseCertificateDer(out.ca_der); !ca) {
    return MakeError(FieldkitErrc::kInvalidArgument, (dir / "ca.der").string() + ": " + ca.error().message);
  }
  auto key = ParsePrivateKeyPem(ToString(key_pem));
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  if (!key) return MakeError(FieldkitErrc::kInvalidArgument, (dir / "key.pem").string() + ": " + key.error().message);
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    crypto::DrainOpenSslErrors();
    return MakeError(FieldkitErrc::kInvalidArgument,
                     (dir / "key.pem").string() + " is not the key of " + (dir / "cert.der").string());
  }
  out.key = std::move(*key);
  if (auto person = ReadFileBytes(dir / "person", 64)) {
    std::string text = ToString(*person);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    const auto id = ParseInt64(text);
    if (!id) return MakeError(FieldkitErrc::kInvalidArgument, (dir / "person").string() + " does not hold a person id");
    out.person_id = *id;
  }
  return out;
}

Status WriteCardDir(const std::filesystem::path& dir, const X509& cert, EVP_PKEY& key, const X509& ca,
                    std::optional<std::int64_t> person_id) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(FieldkitErrc::kIo, "creating " + dir.string() + ": " + ec.message());
  AKARI_ASSIGN_OR_RETURN(std::string key_pem, PrivateKeyPem(key));
  AKARI_TRY(WriteFileAtomically(dir / "cert.der", crypto::CertificateDer(cert), 0644));
  const Status wrote_key = WriteFileAtomically(dir / "key.pem", AsBytes(key_pem), 0600);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  AKARI_TRY(wrote_key);
  AKARI_TRY(WriteFileAtomically(dir / "ca.der", crypto::CertificateDer(ca), 0644));
  if (person_id) AKARI_TRY(WriteFileAtomically(dir / "person", AsBytes(std::to_string(*person_id) + "\n"), 0644));
  return {};
}

}  // namespace akari::fieldkit
