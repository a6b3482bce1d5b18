// A test JPKI certificate authority: deterministic RSA-2048 keys from a
// seed, a self-signed CA certificate shaped like J-LIS's user-authentication
// CA (O=JPKI-TEST, the test hierarchy's organisation), user-authentication
// certificates shaped like a My Number Card's (jpki.md §1.3) and X.509 CRLs.
//
// Everything here is test material for synthetic regions and virtual cards;
// nothing issued by it must ever be trusted by a production node.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/openssl.h"

namespace akari::fieldkit {

using Seed = std::array<std::uint8_t, 32>;

// BLAKE2b-256 of `label` and `master`: independent seeds for independent uses.
Seed DeriveSeed(ByteSpan master, std::string_view label);

// An RSA key (e = 65537) whose primes are found by searching upward from
// numbers drawn from a ChaCha20 stream keyed with `seed`: the same seed
// always gives the same key. Takes tens of milliseconds for 2048 bits.
[[nodiscard]] Result<crypto::EvpPkeyPtr> DeterministicRsaKey(const Seed& seed, int bits = 2048);

struct TestCa {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
};

// The DN J-LIS uses for its user-authentication CA, with O=JPKI-TEST.
inline constexpr const char* kTestCaOrganization = "JPKI-TEST";

// Creates the CA deterministically from `seed`, valid over [not_before, not_after].
[[nodiscard]] Result<TestCa> CreateTestCa(const Seed& seed, TimePoint not_before, TimePoint not_after);

// Loads a CA saved with SaveTestCa-style files (DER certificate, PKCS#8 PEM key).
[[nodiscard]] Result<TestCa> LoadTestCa(ByteSpan cert_der, std::string_view key_pem);

struct UserAuthCertificateRequest {
  Bytes serial;            // big-endian, no leading zero byte
  std::string subject_cn;  // an opaque id, no personal data (like real cards)
  TimePoint not_before;
  TimePoint not_after;
  // The CRL partition the certificate's revocation is published in (its
  // cRLDistributionPoints, a DirName as J-LIS uses); "" for none, when a
  // CRL without a partition covers it.
  std::string crl_partition;
};

// Issues a user-authentication certificate for `subject_key`:
// KeyUsage digitalSignature (critical), policy 1.2.392.200149.8.5.1.3.30,
// sha256WithRSAEncryption, AKI/SKI, and the CRL partition if one is named.
// Deterministic for the same inputs.
[[nodiscard]] Result<crypto::X509Ptr> IssueUserAuthCertificate(const TestCa& ca, EVP_PKEY& subject_key,
                                                               const UserAuthCertificateRequest& request);

struct RevokedCertificate {
  Bytes serial;
  TimePoint revoked_at;
};

// Issues a CRL (v2, with CRL number and AKI) listing `revoked`. With a
// `partition` it carries a critical issuingDistributionPoint naming it, and
// covers only the certificates issued with that crl_partition: the
// generator gives each region its own partition, so that one region's
// list never vouches for another region's cards.
[[nodiscard]] Result<crypto::X509CrlPtr> IssueCrl(const TestCa& ca, std::span<const RevokedCertificate> revoked,
                                                  TimePoint this_update, TimePoint next_update, std::int64_t crl_number,
                                                  std::string_view partition = {});

// PKCS#8 PEM text of a private key (test material: written to CARD_DIR/key.pem).
[[nodiscard]] Result<std::string> PrivateKeyPem(EVP_PKEY& key);

// Parses a PKCS#8 (or traditional) PEM private key.
[[nodiscard]] Result<crypto::EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem);

}  // namespace akari::fieldkit
