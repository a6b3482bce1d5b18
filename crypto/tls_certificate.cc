#include "crypto/tls_certificate.h"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "base/file.h"
#include "crypto/errors.h"
#include "crypto/openssl.h"

namespace akari::crypto {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::unexpected<Error> Failed(std::string_view what) {
  return MakeError(CryptoErrc::kInvalidArgument, std::string(what) + ": " + DrainOpenSslErrors());
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Status AddExt(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return Failed("building a certificate extension");
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return Failed("adding a certificate extension");
  return {};
}

}  // namespace

Result<TlsIdentity> CreateSelfSignedTlsIdentity(std::string_view common_name, std::chrono::hours validity) {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Failed("generating a TLS key");
  X509Ptr cert(X509_new());
  if (!cert) return Failed("allocating a certificate");
  unsigned char serial_bytes[16];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;
  BignumPtr serial_bn(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(serial_bn.get(), nullptr));
  const std::string cn(common_name);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Akari"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  auto now = static_cast<time_t>(ToUnixSeconds(SystemClock::Instance().Now()));
  if (X509_set_version(cert.get(), 2) != 1 || X509_set_serialNumber(cert.get(), serial.get()) != 1 ||
      X509_time_adj_ex(X509_getm_notBefore(cert.get()), -1, 0, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(validity.count() / 24), 0, &now) == nullptr ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Failed("building the TLS certificate");
  }
  const std::string san = "DNS:" + cn + ",IP:127.0.0.1";
  AKARI_TRY(AddExt(cert.get(), NID_subject_alt_name, san.c_str()));
  AKARI_TRY(AddExt(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  AKARI_TRY(AddExt(cert.get(), NID_key_usage, "critical,digitalSignature"));
  AKARI_TRY(AddExt(cert.get(), NID_ext_key_usage, "serverAuth"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return Failed("signing the TLS certificate");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  // A memory BIO that OpenSSL wipes when it frees it: the key's PEM.
  BioPtr key_bio(BIO_new(BIO_s_secmem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Failed("writing PEM");
  }
  char* key_data = nullptr;
  const long key_len = BIO_get_mem_data(key_bio.get(), &key_data);
  AKARI_ASSIGN_OR_RETURN(SecretBuffer key_pem,
                         SecretBuffer::CopyOf(std::span(reinterpret_cast<const std::uint8_t*>(key_data),
                                                        static_cast<std::size_t>(key_len))));
  return TlsIdentity{BioText(cert_bio.get()), std::move(key_pem)};
}

Status CreateSelfSignedTlsIdentity(const TlsIdentityFiles& files, std::string_view common_name,
                                   std::chrono::hours validity) {
  AKARI_ASSIGN_OR_RETURN(const TlsIdentity identity, CreateSelfSignedTlsIdentity(common_name, validity));
  if (auto s = WriteFileAtomically(files.private_key_pem, identity.private_key_pem.span(), 0600); !s) {
    return MakeError(CryptoErrc::kIo, s.error().message);
  }
  if (auto s = WriteFileAtomically(files.certificate_pem, AsBytes(identity.certificate_pem), 0600); !s) {
    return MakeError(CryptoErrc::kIo, s.error().message);
  }
  return {};
}

Status CheckTlsIdentity(const TlsIdentity& identity) {
  BioPtr cert_bio(BIO_new_mem_buf(identity.certificate_pem.data(), static_cast<int>(identity.certificate_pem.size())));
  X509Ptr cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return Failed("the certificate is not a PEM certificate");
  BioPtr key_bio(BIO_new_mem_buf(identity.private_key_pem.data(), static_cast<int>(identity.private_key_pem.size())));
  // No passphrase callback: OpenSSL's default would ask on the terminal
  // for an encrypted key, and a node cannot type one in at every start.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  EvpPkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!key) return Failed("the private key is not an unencrypted PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) return Failed("the private key is not the certificate's");
  return {};
}

Result<std::string> CertificateFingerprintSha256(const std::filesystem::path& certificate_pem) {
  auto pem = ReadFileBytes(certificate_pem, 1 << 20);
  if (!pem) return MakeError(CryptoErrc::kIo, pem.error().message);
  auto fingerprint = CertificatePemFingerprintSha256(ToString(*pem));
  if (!fingerprint) return Failed("reading " + certificate_pem.string());
  return fingerprint;
}

Result<std::string> CertificatePemFingerprintSha256(std::string_view certificate_pem) {
  BioPtr bio(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return Failed("reading a PEM certificate");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &len) != 1) return Failed("fingerprinting the certificate");
  return ToHex(ByteSpan(digest, len));
}

std::string FormatFingerprint(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) out.push_back(':');
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i]))));
    if (i + 1 < hex.size()) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1]))));
  }
  return out;
}

}  // namespace akari::crypto
