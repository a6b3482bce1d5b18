#include "crypto/x509_verify.h"

#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

namespace akari::crypto {
namespace {

class CertCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.certificate"; }
  std::string message(int code) const override {
    switch (static_cast<CertErrc>(code)) {
      case CertErrc::kMalformed:
        return "malformed certificate";
      case CertErrc::kNoTrustMaterial:
        return "no CA certificates in the trust material";
      case CertErrc::kUntrustedIssuer:
        return "issuer not trusted";
      case CertErrc::kExpired:
        return "certificate expired";
      case CertErrc::kNotYetValid:
        return "certificate not yet valid";
      case CertErrc::kRevoked:
        return "certificate revoked";
      case CertErrc::kWrongKeyUsage:
        return "certificate not for digital signatures";
      case CertErrc::kInvalid:
        return "certificate invalid";
      case CertErrc::kUnsupportedAlgorithm:
        return "unsupported signature algorithm";
      case CertErrc::kBadSignature:
        return "signature does not verify";
      case CertErrc::kClockBehind:
        return "clock behind the revocation list";
    }
    return "unknown certificate error";
  }
};

struct IdpFree {
  void operator()(ISSUING_DIST_POINT* p) const { ISSUING_DIST_POINT_free(p); }
};
struct DistPointsFree {
  void operator()(STACK_OF(DIST_POINT) * p) const { sk_DIST_POINT_pop_free(p, DIST_POINT_free); }
};

std::optional<TimePoint> ToTimePoint(const ASN1_TIME* t) {
  if (t == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return FromUnixSeconds(static_cast<std::int64_t>(timegm(&tm)));
}

std::string NameText(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(std::max(0L, len)));
  BIO_free(bio);
  return out;
}

bool DistPointNamesMatch(const DIST_POINT_NAME& a, const DIST_POINT_NAME& b) {
  // Only full names are compared; a relative name never matches (the
  // conservative answer: the CRL is then not taken to cover the certificate).
  if (a.type != 0 || b.type != 0) return false;
  for (int i = 0; i < sk_GENERAL_NAME_num(a.name.fullname); ++i) {
    for (int j = 0; j < sk_GENERAL_NAME_num(b.name.fullname); ++j) {
      if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(a.name.fullname, i), sk_GENERAL_NAME_value(b.name.fullname, j)) == 0) {
        return true;
      }
    }
  }
  return false;
}

// Whether `crl` covers end-entity certificate `cert`: a CRL without an
// issuing distribution point covers every certificate of its issuer; a
// partitioned CRL (as J-LIS's are, by DirName) covers only certificates whose
// CRL distribution point names its partition.
bool CrlCovers(const X509_CRL& crl, const X509& cert) {
  int critical = 0;
  std::unique_ptr<ISSUING_DIST_POINT, IdpFree> idp(
      static_cast<ISSUING_DIST_POINT*>(X509_CRL_get_ext_d2i(&crl, NID_issuing_distribution_point, &critical, nullptr)));
  if (!idp) return critical == -1;  // -1: absent; otherwise present but unreadable
  // Lists that hold only some reasons, or (indirect) other issuers'
  // certificates, are not complete for this certificate.
  if (idp->onlyCA > 0 || idp->onlyattr > 0 || idp->onlysomereasons != nullptr || idp->indirectCRL > 0) return false;
  if (idp->distpoint == nullptr) return true;
  std::unique_ptr<STACK_OF(DIST_POINT), DistPointsFree> dps(
      static_cast<STACK_OF(DIST_POINT)*>(X509_get_ext_d2i(&cert, NID_crl_distribution_points, nullptr, nullptr)));
  if (!dps) return false;
  for (int i = 0; i < sk_DIST_POINT_num(dps.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
    if (dp->distpoint != nullptr && DistPointNamesMatch(*dp->distpoint, *idp->distpoint)) return true;
  }
  return false;
}

// Why a CRL cannot be relied on as a complete list, or "" when it can.
// RFC 5280 (5.2, 5.3): a CRL with a critical extension the relying party
// does not process must not be used, whether on the list or on an entry (a
// critical certificateIssuer makes an indirect CRL). A delta CRL lists only
// the changes since a full one: taken as the newest list, it would hide
// every revocation in its base. OpenSSL itself ignores deltas unless told
// to use them; this node uses full lists only.
std::string UnusableCrlReason(const X509_CRL& crl) {
  if (X509_CRL_get_ext_by_NID(&crl, NID_delta_crl, -1) >= 0) {
    return "is a delta list (only the changes since a full list); this node uses full lists only";
  }
  auto unknown_critical = [](const X509_EXTENSION* ext) {
    if (X509_EXTENSION_get_critical(ext) == 0) return false;
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(ext)));
    return nid != NID_issuing_distribution_point && nid != NID_crl_number && nid != NID_authority_key_identifier &&
           nid != NID_crl_reason && nid != NID_invalidity_date;
  };
  for (int i = 0; i < X509_CRL_get_ext_count(&crl); ++i) {
    if (unknown_critical(X509_CRL_get_ext(&crl, i))) return "has a critical extension this node does not process";
  }
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(const_cast<X509_CRL*>(&crl));
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    const X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
    for (int j = 0; j < X509_REVOKED_get_ext_count(entry); ++j) {
      if (unknown_critical(X509_REVOKED_get_ext(entry, j))) {
        return "has an entry with a critical extension this node does not process (an indirect list)";
      }
    }
  }
  return "";
}

std::optional<std::int64_t> CrlNumber(const X509_CRL& crl) {
  Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(&crl, NID_crl_number, nullptr, nullptr)));
  std::int64_t value = 0;
  if (!number || ASN1_INTEGER_get_int64(&value, number.get()) != 1) return std::nullopt;
  return value;
}

std::unexpected<Error> PathError(int code, int depth, const X509* failing) {
  const std::string which = depth == 0
                                ? "the card's certificate"
                                : "the issuing CA certificate (" + NameText(X509_get_subject_name(failing)) + ")";
  switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return MakeError(CertErrc::kExpired,
                       which + " expired on " +
                           FormatUtc(ToTimePoint(X509_get0_notAfter(failing)).value_or(TimePoint{})) +
                           "; the card cannot prove identity (the holder renews it at the city office)");
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return MakeError(CertErrc::kNotYetValid,
                       which + " is not valid before " +
                           FormatUtc(ToTimePoint(X509_get0_notBefore(failing)).value_or(TimePoint{})) +
                           "; if that date has passed, this machine's clock is wrong: fix it and try again");
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return MakeError(CertErrc::kUntrustedIssuer,
                       "the card's certificate was not issued by a CA in this node's trust material (issuer " +
                           NameText(X509_get_issuer_name(failing)) +
                           "): do not rely on this card; if the region's data is old, sync to get current CA "
                           "certificates");
    default:
      return MakeError(CertErrc::kInvalid, which + " failed validation: " + X509_verify_cert_error_string(code));
  }
}

// The newest verified CRL of `issuer` covering `cert`, or nullptr. A CRL
// is the issuer's when the CA certificate whose key verified it has the
// issuer's name and key: a CA certificate re-issued with new dates (same
// name, same key) is the same issuer, whichever of its certificates the
// path went through and whichever verified the CRL.
const TrustAnchors::Crl* CoveringCrl(const TrustAnchors& anchors, const X509& issuer, const X509& cert) {
  const TrustAnchors::Crl* best = nullptr;
  for (const TrustAnchors::Crl& c : anchors.crls()) {
    const X509& signer = *anchors.ca_certificates()[c.ca_index];
    if (X509_NAME_cmp(X509_get_subject_name(&signer), X509_get_subject_name(&issuer)) != 0 ||
        EVP_PKEY_eq(X509_get0_pubkey(&signer), X509_get0_pubkey(&issuer)) != 1 || !CrlCovers(*c.crl, cert)) {
      continue;
    }
    if (best == nullptr || c.this_update > best->this_update) best = &c;
  }
  return best;
}

Result<RevocationReport> CheckRevocation(const X509& cert, const TrustAnchors& anchors, const X509* issuer,
                                         TimePoint now) {
  RevocationReport report;
  const TrustAnchors::Crl* crl = issuer != nullptr ? CoveringCrl(anchors, *issuer, cert) : nullptr;
  if (crl == nullptr) return report;
  X509_REVOKED* entry = nullptr;
  // X509_CRL_get0_by_serial takes a non-const CRL only to sort it lazily
  // (under the CRL's own lock); the list itself is not changed.
  if (X509_CRL_get0_by_serial(crl->crl.get(), &entry, X509_get0_serialNumber(&cert)) == 1) {
    const auto when = ToTimePoint(X509_REVOKED_get0_revocationDate(entry));
    return MakeError(CertErrc::kRevoked, "the card's certificate was revoked on " +
                                             (when ? FormatUtc(*when) : std::string("an unknown date")) +
                                             " (revocation list of " + FormatUtc(crl->this_update) +
                                             "): it must not be used to identify anyone");
  }
  if (crl->this_update > now) {
    // A signed list from the future means the time checked at is wrong
    // (a clock set back): a certificate that expired since then would have
    // passed, so this is no verdict and never "current".
    return MakeError(CertErrc::kClockBehind,
                     "the revocation list relied on is dated " + FormatUtc(crl->this_update) +
                         ", after the time the card was checked at (" + FormatUtc(now) +
                         "): this machine's clock is behind, so the card's dates cannot be checked; set the clock "
                         "right (date, time and time zone) and try again");
  }
  report.this_update = crl->this_update;
  report.next_update = crl->next_update;
  report.crl_number = crl->crl_number;
  report.age = std::chrono::duration_cast<std::chrono::seconds>(now - crl->this_update);
  report.status = crl->next_update && *crl->next_update < now ? RevocationStatus::kStale : RevocationStatus::kCurrent;
  return report;
}

}  // namespace

const std::error_category& CertCategory() {
  static const CertCategoryImpl category;
  return category;
}

std::string_view RevocationStatusName(RevocationStatus s) {
  switch (s) {
    case RevocationStatus::kCurrent:
      return "current";
    case RevocationStatus::kStale:
      return "stale";
    case RevocationStatus::kUnavailable:
      return "unavailable";
  }
  return "unavailable";
}

Result<TrustAnchors> TrustAnchors::Build(std::span<const Bytes> ca_certificates, std::span<const Bytes> crls) {
  TrustAnchors out;
  for (const Bytes& der : ca_certificates) {
    auto cert = ParseCertificateDer(der);
    if (!cert) return MakeError(CertErrc::kMalformed, "trust material: a CA certificate " + cert.error().message);
    out.cas_.push_back(std::move(*cert));
  }
  for (std::size_t n = 0; n < crls.size(); ++n) {
    auto crl = ParseCrlDer(crls[n]);
    if (!crl) {
      out.problems_.push_back("revocation list " + std::to_string(n + 1) + " does not parse");
      continue;
    }
    std::optional<std::size_t> verified_by;
    for (std::size_t i = 0; i < out.cas_.size() && !verified_by; ++i) {
      const X509& ca = *out.cas_[i];
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl->get()), X509_get_subject_name(&ca)) != 0) continue;
      if (X509_CRL_verify(crl->get(), X509_get0_pubkey(&ca)) == 1) verified_by = i;
    }
    DrainOpenSslErrors();
    const auto this_update = ToTimePoint(X509_CRL_get0_lastUpdate(crl->get()));
    if (!verified_by || !this_update) {
      out.problems_.push_back("revocation list " + std::to_string(n + 1) + " (issuer " +
                              NameText(X509_CRL_get_issuer(crl->get())) +
                              ") is not signed by a CA of the trust material and is ignored");
      continue;
    }
    if (const std::string why = UnusableCrlReason(**crl); !why.empty()) {
      out.problems_.push_back("revocation list " + std::to_string(n + 1) + " (issuer " +
                              NameText(X509_CRL_get_issuer(crl->get())) + ") " + why + " and is ignored");
      continue;
    }
    Crl entry;
    entry.ca_index = *verified_by;
    entry.this_update = *this_update;
    entry.next_update = ToTimePoint(X509_CRL_get0_nextUpdate(crl->get()));
    if (!entry.next_update) {
      // RFC 5280 requires nextUpdate. Without it nothing says how long the
      // list stays current: it is used (a serial on it is revoked), but
      // reported as stale from its own date on, never as current.
      entry.next_update = entry.this_update;
      out.problems_.push_back("revocation list " + std::to_string(n + 1) + " (issuer " +
                              NameText(X509_CRL_get_issuer(crl->get())) +
                              ") has no next-update date; it is used, but reported as stale");
    }
    entry.crl_number = CrlNumber(**crl);
    entry.crl = std::move(*crl);
    out.crls_.push_back(std::move(entry));
  }
  return out;
}

CertificateDetails DescribeCertificate(const X509& cert) {
  CertificateDetails d;
  d.issuer_der = NameDer(*X509_get_issuer_name(&cert));
  d.issuer = NameText(X509_get_issuer_name(&cert));
  d.subject = NameText(X509_get_subject_name(&cert));
  d.serial = SerialBytes(cert);
  d.not_before = ToTimePoint(X509_get0_notBefore(&cert)).value_or(TimePoint{});
  d.not_after = ToTimePoint(X509_get0_notAfter(&cert)).value_or(TimePoint{});
  return d;
}

Result<RevocationReport> VerifyUserAuthCertificate(const X509& cert, const TrustAnchors& anchors, TimePoint now) {
  if (anchors.ca_certificates().empty()) {
    return MakeError(CertErrc::kNoTrustMaterial,
                     "this node has no JPKI CA certificates yet, so no card can be verified: sync while online "
                     "(akari sync) to receive the trust material");
  }
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx) return MakeError(CertErrc::kInvalid, "out of memory building the certificate store");
  for (const X509Ptr& ca : anchors.ca_certificates()) {
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
      return MakeError(CertErrc::kInvalid, "adding a CA certificate: " + DrainOpenSslErrors());
    }
  }
  // X509_STORE_CTX_init takes the target certificate non-const but only
  // reads it (and caches its parsed extensions under its own lock).
  if (X509_STORE_CTX_init(ctx.get(), store.get(), const_cast<X509*>(&cert), nullptr) != 1) {
    return MakeError(CertErrc::kInvalid, "starting path validation: " + DrainOpenSslErrors());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(ToUnixSeconds(now)));
  // Every CA certificate in the signed trust material is an anchor, whether
  // or not it is self-signed.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int code = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    const X509* failing = X509_STORE_CTX_get_current_cert(ctx.get());
    DrainOpenSslErrors();
    return PathError(code, depth, failing != nullptr ? failing : &cert);
  }
  const std::uint32_t flags = X509_get_extension_flags(const_cast<X509*>(&cert));
  if ((flags & EXFLAG_KUSAGE) == 0 || (X509_get_key_usage(const_cast<X509*>(&cert)) & KU_DIGITAL_SIGNATURE) == 0) {
    return MakeError(CertErrc::kWrongKeyUsage,
                     "the card's certificate is not a user-authentication certificate (its key usage does not allow "
                     "digital signatures)");
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  const X509* issuer = sk_X509_num(chain) >= 2 ? sk_X509_value(chain, 1) : nullptr;
  return CheckRevocation(cert, anchors, issuer, now);
}

Status VerifyChallengeSignature(const X509& cert, std::string_view algorithm, ByteSpan message, ByteSpan signature) {
  if (algorithm != kRsaPkcs1Sha256) {
    return MakeError(CertErrc::kUnsupportedAlgorithm,
                     "the card signed with \"" + std::string(algorithm) + "\", which this node cannot verify");
  }
  EVP_PKEY* key = X509_get0_pubkey(&cert);
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return MakeError(CertErrc::kUnsupportedAlgorithm, "the card's certificate does not hold an RSA key");
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return MakeError(CertErrc::kUnsupportedAlgorithm, "cannot set up RSA verification: " + DrainOpenSslErrors());
  }
  const int ok = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size());
  DrainOpenSslErrors();
  if (ok != 1) {
    return MakeError(CertErrc::kBadSignature,
                     "the card's signature does not match its certificate: the chip does not hold the key of the "
                     "certificate it presents (a copied or cloned card)");
  }
  return {};
}

Bytes Sha256(ByteSpan message) {
  Bytes out(SHA256_DIGEST_LENGTH);
  SHA256(message.data(), message.size(), out.data());
  return out;
}

Bytes Sha256DigestInfo(ByteSpan message) {
  static constexpr std::uint8_t kPrefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  Bytes out(std::begin(kPrefix), std::end(kPrefix));
  const Bytes hash = Sha256(message);
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

}  // namespace akari::crypto
