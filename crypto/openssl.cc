#include "crypto/openssl.h"

#include <openssl/err.h>

#include "crypto/errors.h"

namespace akari::crypto {
namespace {

template <typename T, int (*Encode)(const T*, unsigned char**)>
Bytes Der(const T& value) {
  unsigned char* out = nullptr;
  const int len = Encode(&value, &out);
  if (len <= 0) return {};
  Bytes bytes(out, out + len);
  OPENSSL_free(out);
  return bytes;
}

}  // namespace

std::string DrainOpenSslErrors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Bytes CertificateDer(const X509& cert) {
  return Der<X509, i2d_X509>(cert);
}
Bytes CrlDer(const X509_CRL& crl) {
  return Der<X509_CRL, i2d_X509_CRL>(crl);
}
Bytes NameDer(const X509_NAME& name) {
  return Der<X509_NAME, i2d_X509_NAME>(name);
}

Result<X509Ptr> ParseCertificateDer(ByteSpan der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) {
    return MakeError(CryptoErrc::kInvalidArgument, "not a DER certificate: " + DrainOpenSslErrors());
  }
  return cert;
}

Result<X509CrlPtr> ParseCrlDer(ByteSpan der) {
  const unsigned char* p = der.data();
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl || p != der.data() + der.size()) {
    return MakeError(CryptoErrc::kInvalidArgument, "not a DER revocation list: " + DrainOpenSslErrors());
  }
  return crl;
}

Bytes SerialBytes(const X509& cert) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(&cert);
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return {};
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

}  // namespace akari::crypto
