#include "fieldkit/test_ca.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "crypto/hash.h"
#include "crypto/sodium.h"
#include "fieldkit/errors.h"

namespace akari::fieldkit {
namespace {

using crypto::BignumPtr;
using crypto::BnCtxPtr;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

std::unexpected<Error> OpenSslError(std::string_view what) {
  return MakeError(FieldkitErrc::kCrypto, std::string(what) + ": " + crypto::DrainOpenSslErrors());
}

// The first prime >= a random odd number with its top two bits set (so
// that p*q has exactly `bits` bits) and gcd(p-1, e) = 1.
Result<BignumPtr> DeterministicPrime(const Seed& seed, int bits, const BIGNUM& e, BN_CTX& ctx) {
  Bytes buf(static_cast<std::size_t>(bits / 8));
  randombytes_buf_deterministic(buf.data(), buf.size(), seed.data());
  BignumPtr p(BN_bin2bn(buf.data(), static_cast<int>(buf.size()), nullptr));
  BignumPtr p1(BN_new());
  BignumPtr g(BN_new());
  if (!p || !p1 || !g) return OpenSslError("allocating a prime");
  BN_set_bit(p.get(), bits - 1);
  BN_set_bit(p.get(), bits - 2);
  BN_set_bit(p.get(), 0);
  for (int tries = 0; tries < 100000; ++tries) {
    if (BN_check_prime(p.get(), &ctx, nullptr) == 1) {
      BN_sub(p1.get(), p.get(), BN_value_one());
      BN_gcd(g.get(), p1.get(), &e, &ctx);
      if (BN_is_one(g.get())) return p;
    }
    BN_add_word(p.get(), 2);
  }
  return MakeError(FieldkitErrc::kCrypto, "no prime found");
}

Result<crypto::Asn1IntegerPtr> SerialInteger(ByteSpan serial) {
  BignumPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  crypto::Asn1IntegerPtr out(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!out) return OpenSslError("encoding a serial number");
  return out;
}

Result<crypto::Asn1TimePtr> Time(TimePoint t) {
  crypto::Asn1TimePtr out(ASN1_TIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(t))));
  if (!out) return OpenSslError("encoding a time");
  return out;
}

Status AddExtension(X509& cert, X509V3_CTX& ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return OpenSslError(std::string("building extension ") + OBJ_nid2sn(nid));
  const int ok = X509_add_ext(&cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return OpenSslError("adding an extension");
  return {};
}

// certificatePolicies with the JPKI user-authentication policy OID. Built
// directly: the text form needs an OpenSSL config database.
Status AddUserAuthPolicy(X509& cert) {
  CERTIFICATEPOLICIES* policies = sk_POLICYINFO_new_null();
  POLICYINFO* info = POLICYINFO_new();
  if (policies == nullptr || info == nullptr) {
    POLICYINFO_free(info);
    sk_POLICYINFO_free(policies);
    return OpenSslError("allocating certificate policies");
  }
  info->policyid = OBJ_txt2obj("1.2.392.200149.8.5.1.3.30", 1);
  sk_POLICYINFO_push(policies, info);
  const int ok = X509_add1_ext_i2d(&cert, NID_certificate_policies, policies, 0, X509V3_ADD_DEFAULT);
  CERTIFICATEPOLICIES_free(policies);
  if (ok != 1) return OpenSslError("adding certificate policies");
  return {};
}

// The full name of a CRL partition, as J-LIS names its CRL distribution
// points (jpki.md §1.3): a directory entry, here one per `partition`.
// The caller owns the result (a DIST_POINT_NAME of type fullName).
DIST_POINT_NAME* PartitionName(std::string_view partition) {
  crypto::X509NamePtr name(X509_NAME_new());
  const std::string cn = "CRL " + std::string(partition);
  auto add = [&](const char* field, const char* value) {
    return X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value),
                                      -1, -1, 0) == 1;
  };
  if (!name || !add("C", "JP") || !add("O", kTestCaOrganization) || !add("OU", "JPKI for user authentication") ||
      !add("CN", cn.c_str())) {
    return nullptr;
  }
  DIST_POINT_NAME* dpn = DIST_POINT_NAME_new();
  GENERAL_NAME* gn = GENERAL_NAME_new();
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  if (dpn == nullptr || gn == nullptr || names == nullptr || sk_GENERAL_NAME_push(names, gn) == 0) {
    DIST_POINT_NAME_free(dpn);
    GENERAL_NAME_free(gn);
    sk_GENERAL_NAME_free(names);
    return nullptr;
  }
  GENERAL_NAME_set0_value(gn, GEN_DIRNAME, name.release());
  dpn->type = 0;
  dpn->name.fullname = names;
  return dpn;
}

// cRLDistributionPoints naming `partition`.
Status AddCrlPartition(X509& cert, std::string_view partition) {
  CRL_DIST_POINTS* points = sk_DIST_POINT_new_null();
  DIST_POINT* point = DIST_POINT_new();
  if (points == nullptr || point == nullptr || sk_DIST_POINT_push(points, point) == 0) {
    DIST_POINT_free(point);
    sk_DIST_POINT_free(points);
    return OpenSslError("allocating CRL distribution points");
  }
  point->distpoint = PartitionName(partition);
  const int ok = point->distpoint != nullptr &&
                 X509_add1_ext_i2d(&cert, NID_crl_distribution_points, points, 0, X509V3_ADD_DEFAULT) == 1;
  CRL_DIST_POINTS_free(points);
  if (!ok) return OpenSslError("adding CRL distribution points");
  return {};
}

// A critical issuingDistributionPoint naming `partition`: the CRL covers
// only certificates whose distribution point names the same partition.
Status AddIssuingPartition(X509_CRL& crl, std::string_view partition) {
  ISSUING_DIST_POINT* idp = ISSUING_DIST_POINT_new();
  if (idp == nullptr) return OpenSslError("allocating an issuing distribution point");
  idp->distpoint = PartitionName(partition);
  const int ok = idp->distpoint != nullptr &&
                 X509_CRL_add1_ext_i2d(&crl, NID_issuing_distribution_point, idp, 1, X509V3_ADD_DEFAULT) == 1;
  ISSUING_DIST_POINT_free(idp);
  if (!ok) return OpenSslError("adding an issuing distribution point");
  return {};
}

crypto::X509NamePtr CaName() {
  crypto::X509NamePtr name(X509_NAME_new());
  auto add = [&](const char* field, const char* value) {
    X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value), -1, -1,
                               0);
  };
  add("C", "JP");
  add("O", kTestCaOrganization);
  add("OU", "JPKI for user authentication");
  add("OU", "Japan Agency for Local Authority Information Systems");
  return name;
}

Result<crypto::X509Ptr> NewCertificate(ByteSpan serial, TimePoint not_before, TimePoint not_after,
                                       const X509_NAME& subject, const X509_NAME& issuer, EVP_PKEY& key) {
  crypto::X509Ptr cert(X509_new());
  AKARI_ASSIGN_OR_RETURN(crypto::Asn1IntegerPtr serial_int, SerialInteger(serial));
  AKARI_ASSIGN_OR_RETURN(crypto::Asn1TimePtr from, Time(not_before));
  AKARI_ASSIGN_OR_RETURN(crypto::Asn1TimePtr to, Time(not_after));
  if (!cert || X509_set_version(cert.get(), 2) != 1 || X509_set_serialNumber(cert.get(), serial_int.get()) != 1 ||
      X509_set1_notBefore(cert.get(), from.get()) != 1 || X509_set1_notAfter(cert.get(), to.get()) != 1 ||
      X509_set_subject_name(cert.get(), &subject) != 1 || X509_set_issuer_name(cert.get(), &issuer) != 1 ||
      X509_set_pubkey(cert.get(), &key) != 1) {
    return OpenSslError("building a certificate");
  }
  return cert;
}

}  // namespace

Seed DeriveSeed(ByteSpan master, std::string_view label) {
  Bytes input(label.begin(), label.end());
  input.push_back(0);
  input.insert(input.end(), master.begin(), master.end());
  return crypto::Blake2b256(input);
}

Result<crypto::EvpPkeyPtr> DeterministicRsaKey(const Seed& seed, int bits) {
  AKARI_TRY(crypto::EnsureSodium());
  if (bits < 1024 || bits % 16 != 0) return MakeError(FieldkitErrc::kInvalidArgument, "unsupported RSA size");
  BnCtxPtr ctx(BN_CTX_new());
  BignumPtr e(BN_new());
  if (!ctx || !e || BN_set_word(e.get(), RSA_F4) != 1) return OpenSslError("allocating");
  AKARI_ASSIGN_OR_RETURN(BignumPtr p, DeterministicPrime(DeriveSeed(seed, "rsa-p"), bits / 2, *e, *ctx));
  AKARI_ASSIGN_OR_RETURN(BignumPtr q, DeterministicPrime(DeriveSeed(seed, "rsa-q"), bits / 2, *e, *ctx));
  if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);  // CRT convention: p > q
  BignumPtr n(BN_new()), d(BN_new()), p1(BN_new()), q1(BN_new()), phi(BN_new()), dmp1(BN_new()), dmq1(BN_new());
  BignumPtr iqmp(BN_mod_inverse(nullptr, q.get(), p.get(), ctx.get()));
  if (!n || !d || !p1 || !q1 || !phi || !dmp1 || !dmq1 || !iqmp) return OpenSslError("RSA arithmetic");
  BN_mul(n.get(), p.get(), q.get(), ctx.get());
  BN_sub(p1.get(), p.get(), BN_value_one());
  BN_sub(q1.get(), q.get(), BN_value_one());
  BN_mul(phi.get(), p1.get(), q1.get(), ctx.get());
  if (BN_mod_inverse(d.get(), e.get(), phi.get(), ctx.get()) == nullptr) return OpenSslError("RSA private exponent");
  BN_mod(dmp1.get(), d.get(), p1.get(), ctx.get());
  BN_mod(dmq1.get(), d.get(), q1.get(), ctx.get());

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get())) {
    return OpenSslError("RSA parameters");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  crypto::EvpPkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return OpenSslError("building the RSA key");
  }
  return crypto::EvpPkeyPtr(raw);
}

Result<TestCa> CreateTestCa(const Seed& seed, TimePoint not_before, TimePoint not_after) {
  TestCa ca;
  AKARI_ASSIGN_OR_RETURN(ca.key, DeterministicRsaKey(DeriveSeed(seed, "test-ca-key")));
  const crypto::X509NamePtr name = CaName();
  const Bytes serial = {0x01};
  AKARI_ASSIGN_OR_RETURN(ca.cert, NewCertificate(serial, not_before, not_after, *name, *name, *ca.key));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.cert.get(), ca.cert.get(), nullptr, nullptr, 0);
  AKARI_TRY(AddExtension(*ca.cert, ctx, NID_basic_constraints, "critical,CA:TRUE"));
  AKARI_TRY(AddExtension(*ca.cert, ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  AKARI_TRY(AddExtension(*ca.cert, ctx, NID_subject_key_identifier, "hash"));
  if (X509_sign(ca.cert.get(), ca.key.get(), EVP_sha256()) <= 0) return OpenSslError("signing the CA certificate");
  return ca;
}

Result<TestCa> LoadTestCa(ByteSpan cert_der, std::string_view key_pem) {
  TestCa ca;
  auto cert = crypto::ParseCertificateDer(cert_der);
  if (!cert) return MakeError(FieldkitErrc::kInvalidArgument, "test CA certificate: " + cert.error().message);
  ca.cert = std::move(*cert);
  AKARI_ASSIGN_OR_RETURN(ca.key, ParsePrivateKeyPem(key_pem));
  if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1) {
    return MakeError(FieldkitErrc::kInvalidArgument, "the test CA key does not match its certificate");
  }
  return ca;
}

Result<crypto::X509Ptr> IssueUserAuthCertificate(const TestCa& ca, EVP_PKEY& subject_key,
                                                 const UserAuthCertificateRequest& request) {
  crypto::X509NamePtr subject(X509_NAME_new());
  X509_NAME_add_entry_by_txt(subject.get(), "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("JP"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(subject.get(), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(request.subject_cn.c_str()), -1, -1, 0);
  AKARI_ASSIGN_OR_RETURN(crypto::X509Ptr cert,
                         NewCertificate(request.serial, request.not_before, request.not_after, *subject,
                                        *X509_get_subject_name(ca.cert.get()), subject_key));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.cert.get(), cert.get(), nullptr, nullptr, 0);
  AKARI_TRY(AddExtension(*cert, ctx, NID_key_usage, "critical,digitalSignature"));
  AKARI_TRY(AddUserAuthPolicy(*cert));
  AKARI_TRY(AddExtension(*cert, ctx, NID_subject_key_identifier, "hash"));
  AKARI_TRY(AddExtension(*cert, ctx, NID_authority_key_identifier, "keyid:always"));
  if (!request.crl_partition.empty()) AKARI_TRY(AddCrlPartition(*cert, request.crl_partition));
  if (X509_sign(cert.get(), ca.key.get(), EVP_sha256()) <= 0) return OpenSslError("signing a user certificate");
  return cert;
}

Result<crypto::X509CrlPtr> IssueCrl(const TestCa& ca, std::span<const RevokedCertificate> revoked,
                                    TimePoint this_update, TimePoint next_update, std::int64_t crl_number,
                                    std::string_view partition) {
  crypto::X509CrlPtr crl(X509_CRL_new());
  AKARI_ASSIGN_OR_RETURN(crypto::Asn1TimePtr last, Time(this_update));
  AKARI_ASSIGN_OR_RETURN(crypto::Asn1TimePtr next, Time(next_update));
  if (!crl || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 || X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return OpenSslError("building a CRL");
  }
  for (const RevokedCertificate& r : revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    AKARI_ASSIGN_OR_RETURN(crypto::Asn1IntegerPtr serial, SerialInteger(r.serial));
    AKARI_ASSIGN_OR_RETURN(crypto::Asn1TimePtr when, Time(r.revoked_at));
    if (entry == nullptr || X509_REVOKED_set_serialNumber(entry, serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(entry, when.get()) != 1 || X509_CRL_add0_revoked(crl.get(), entry) != 1) {
      X509_REVOKED_free(entry);
      return OpenSslError("adding a revoked serial");
    }
  }
  X509_CRL_sort(crl.get());
  crypto::Asn1IntegerPtr number(ASN1_INTEGER_new());
  ASN1_INTEGER_set_int64(number.get(), crl_number);
  if (X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) return OpenSslError("CRL number");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.cert.get(), nullptr, nullptr, crl.get(), 0);
  X509_EXTENSION* aki = X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
  if (aki == nullptr || X509_CRL_add_ext(crl.get(), aki, -1) != 1) {
    X509_EXTENSION_free(aki);
    return OpenSslError("CRL authority key identifier");
  }
  X509_EXTENSION_free(aki);
  if (!partition.empty()) AKARI_TRY(AddIssuingPartition(*crl, partition));
  if (X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256()) <= 0) return OpenSslError("signing the CRL");
  return crl;
}

Result<std::string> PrivateKeyPem(EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("writing a private key");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<crypto::EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return MakeError(FieldkitErrc::kInvalidArgument, "not a PEM private key: " + crypto::DrainOpenSslErrors());
  return key;
}

}  // namespace akari::fieldkit
