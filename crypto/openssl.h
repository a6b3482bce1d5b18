// RAII owners for OpenSSL libcrypto objects and translation of OpenSSL's
// error queue into messages. Every X509, EVP_PKEY, … in Akari has exactly one
// of these as its owner.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace akari::crypto {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};

using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<X509_CRL, X509_CRL_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME, X509_NAME_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, OpenSslDeleter<BN_CTX, BN_CTX_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslDeleter<ASN1_TIME, ASN1_TIME_free>>;

// Drains OpenSSL's thread-local error queue into one line ("" if empty).
std::string DrainOpenSslErrors();

// DER encoding of a certificate, CRL or name.
Bytes CertificateDer(const X509& cert);
Bytes CrlDer(const X509_CRL& crl);
Bytes NameDer(const X509_NAME& name);

// Parses DER. Errors: kInvalidArgument with OpenSSL's reason.
[[nodiscard]] Result<X509Ptr> ParseCertificateDer(ByteSpan der);
[[nodiscard]] Result<X509CrlPtr> ParseCrlDer(ByteSpan der);

// The certificate serial as minimal big-endian bytes.
Bytes SerialBytes(const X509& cert);

}  // namespace akari::crypto
