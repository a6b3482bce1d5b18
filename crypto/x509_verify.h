// Certificate checks for card verification (ARCHITECTURE.md section 6):
// path validation of a JPKI user-authentication certificate against the CA
// certificates of the signed trust material only, validity at the node's
// clock, KeyUsage digitalSignature, revocation through the trust material's
// CRLs (whose age is always reported), and verification of the card's
// signature over a challenge. OpenSSL libcrypto does the work.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/openssl.h"

namespace akari::crypto {

// Why a certificate or a signature was not accepted (category "akari.certificate").
enum class CertErrc {
  kMalformed = 1,         // not a usable DER certificate
  kNoTrustMaterial,       // the trust material holds no CA certificate at all
  kUntrustedIssuer,       // no path to a CA certificate of the trust material
  kExpired,               // the certificate (or its CA) expired before the node's clock
  kNotYetValid,           // the certificate (or its CA) is not valid yet at the node's clock
  kRevoked,               // listed in a verified revocation list
  kWrongKeyUsage,         // KeyUsage lacks digitalSignature
  kInvalid,               // any other path-validation failure (message says which)
  kUnsupportedAlgorithm,  // a signature algorithm or key type this node does not verify
  kBadSignature,          // the signature over the challenge does not verify with the certificate's key
  kClockBehind,           // the revocation list relied on is dated after the time checked at: the clock is wrong
};

const std::error_category& CertCategory();

inline std::error_code make_error_code(CertErrc e) {
  return {static_cast<int>(e), CertCategory()};
}

// What the revocation data said about a certificate that is not revoked.
enum class RevocationStatus {
  kCurrent,      // a verified CRL covering the certificate, before its nextUpdate
  kStale,        // the newest covering CRL is past its nextUpdate: "verified, revocation data stale since T"
  kUnavailable,  // no verified CRL covers the certificate's issuer (or partition)
};

std::string_view RevocationStatusName(RevocationStatus s);

struct RevocationReport {
  RevocationStatus status = RevocationStatus::kUnavailable;
  std::optional<TimePoint> this_update;  // of the CRL relied on
  std::optional<TimePoint> next_update;  // of the CRL relied on (stale since this when kStale)
  std::optional<std::int64_t> crl_number;
  std::chrono::seconds age{0};  // the time checked at minus thisUpdate (0 when unavailable)
};

// Parsed trust material: CA certificates (each one a trust anchor) and the
// CRLs whose signature verified with one of them. CRLs that do not parse or
// verify, delta CRLs and CRLs with a critical extension this node does not
// process are set aside and described in problems(); a CRL without a
// nextUpdate is kept (what it lists is revoked) with its nextUpdate taken
// as its thisUpdate, so it is never reported current, and described too.
// Threading: immutable after Build(); may be shared read-only between threads.
class TrustAnchors {
 public:
  struct Crl {
    X509CrlPtr crl;
    std::size_t ca_index = 0;  // the CA whose key verified it (a CRL serves every CA with its name and key)
    TimePoint this_update;
    std::optional<TimePoint> next_update;
    std::optional<std::int64_t> crl_number;
  };

  // Errors: CertErrc::kMalformed when a CA certificate does not parse (the
  // trust material is signed by the hub, so that means it is damaged).
  [[nodiscard]] static Result<TrustAnchors> Build(std::span<const Bytes> ca_certificates, std::span<const Bytes> crls);

  TrustAnchors(TrustAnchors&&) noexcept = default;
  TrustAnchors& operator=(TrustAnchors&&) noexcept = default;

  const std::vector<X509Ptr>& ca_certificates() const { return cas_; }
  const std::vector<Crl>& crls() const { return crls_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  TrustAnchors() = default;
  std::vector<X509Ptr> cas_;
  std::vector<Crl> crls_;
  std::vector<std::string> problems_;
};

// The fields of a certificate the node records (no personal data: a JPKI
// user-authentication certificate's subject is an opaque id).
struct CertificateDetails {
  Bytes issuer_der;    // DER of the issuer Name (for the card link key)
  std::string issuer;  // RFC 2253 text
  std::string subject;
  Bytes serial;  // minimal big-endian
  TimePoint not_before;
  TimePoint not_after;
};

CertificateDetails DescribeCertificate(const X509& cert);

// Checks `cert` for use as a card's user-authentication certificate at time
// `now`: a path to a CA certificate in `anchors` (never the CA the card
// carries), validity of every certificate in the path at `now`, KeyUsage
// digitalSignature, and revocation against the newest verified CRL that
// covers it. Returns what the revocation data said. Errors (CertErrc):
// kNoTrustMaterial, kUntrustedIssuer, kExpired, kNotYetValid, kWrongKeyUsage,
// kRevoked (message gives the revocation date and the CRL's date),
// kClockBehind (that CRL's thisUpdate is after `now`: a signed date says
// `now` is wrong, so the validity checked at `now` proves nothing), kInvalid.
[[nodiscard]] Result<RevocationReport> VerifyUserAuthCertificate(const X509& cert, const TrustAnchors& anchors,
                                                                 TimePoint now);

// Signature algorithm names used between a card and this verifier.
inline constexpr std::string_view kRsaPkcs1Sha256 = "rsa-pkcs1-sha256";

// Verifies `signature` over `message` with the certificate's public key.
// `algorithm` is kRsaPkcs1Sha256 today (RSA PKCS#1 v1.5, SHA-256 DigestInfo).
// Errors: kBadSignature, kUnsupportedAlgorithm (other names, or a key that
// does not fit the algorithm).
[[nodiscard]] Status VerifyChallengeSignature(const X509& cert, std::string_view algorithm, ByteSpan message,
                                              ByteSpan signature);

// SHA-256 of `message`.
Bytes Sha256(ByteSpan message);

// The DER DigestInfo of SHA-256(message), as a JPKI card expects it for
// signing (the card adds the PKCS#1 v1.5 padding itself).
Bytes Sha256DigestInfo(ByteSpan message);

}  // namespace akari::crypto

template <>
struct std::is_error_code_enum<akari::crypto::CertErrc> : std::true_type {};
