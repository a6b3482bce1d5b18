// Certificate checks for card verification: path, validity, key usage,
// revocation (current, stale, missing, partitioned) and challenge signatures.
#include "crypto/x509_verify.h"

#include <gtest/gtest.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "fieldkit/test_ca.h"

namespace akari::crypto {
namespace {

using fieldkit::Seed;

Seed SeedOf(std::uint8_t n) {
  Seed s{};
  s.fill(n);
  return s;
}

TimePoint Utc(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(
      std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)});
}

class X509VerifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new fieldkit::TestCa(*fieldkit::CreateTestCa(SeedOf(1), Utc(2020, 1, 1), Utc(2035, 1, 1)));
    other_ca_ = new fieldkit::TestCa(*fieldkit::CreateTestCa(SeedOf(2), Utc(2020, 1, 1), Utc(2035, 1, 1)));
    user_key_ = fieldkit::DeterministicRsaKey(SeedOf(3))->release();
    other_key_ = fieldkit::DeterministicRsaKey(SeedOf(4))->release();
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete other_ca_;
    EVP_PKEY_free(user_key_);
    EVP_PKEY_free(other_key_);
  }

  static X509Ptr Issue(const fieldkit::TestCa& ca, Bytes serial, TimePoint from = Utc(2024, 4, 1),
                       TimePoint to = Utc(2029, 4, 1)) {
    auto cert = fieldkit::IssueUserAuthCertificate(ca, *user_key_, {serial, "8439000000000001", from, to, ""});
    EXPECT_TRUE(cert) << cert.error().message;
    return std::move(*cert);
  }
  static Bytes Crl(const fieldkit::TestCa& ca, std::vector<fieldkit::RevokedCertificate> revoked, TimePoint this_update,
                   TimePoint next_update, std::int64_t number = 1) {
    auto crl = fieldkit::IssueCrl(ca, revoked, this_update, next_update, number);
    EXPECT_TRUE(crl) << crl.error().message;
    return CrlDer(**crl);
  }
  static TrustAnchors Anchors(std::vector<Bytes> crls, const fieldkit::TestCa* ca = nullptr) {
    std::vector<Bytes> cas = {CertificateDer(*(ca != nullptr ? ca : ca_)->cert)};
    auto anchors = TrustAnchors::Build(cas, crls);
    EXPECT_TRUE(anchors) << anchors.error().message;
    return std::move(*anchors);
  }
  // Adds `nid` = `value` to a copy of `cert` and re-signs it with `ca`.
  static X509Ptr WithExtension(const X509& cert, const fieldkit::TestCa& ca, int nid, const char* value,
                               bool replace_key_usage = false) {
    X509Ptr copy(X509_dup(const_cast<X509*>(&cert)));
    if (replace_key_usage) {
      X509_EXTENSION_free(X509_delete_ext(copy.get(), X509_get_ext_by_NID(copy.get(), NID_key_usage, -1)));
    }
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca.cert.get(), copy.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    EXPECT_NE(ext, nullptr) << DrainOpenSslErrors();
    X509_add_ext(copy.get(), ext, -1);
    X509_EXTENSION_free(ext);
    EXPECT_GT(X509_sign(copy.get(), ca.key.get(), EVP_sha256()), 0);
    return copy;
  }

  static inline fieldkit::TestCa* ca_ = nullptr;
  static inline fieldkit::TestCa* other_ca_ = nullptr;
  static inline EVP_PKEY* user_key_ = nullptr;
  static inline EVP_PKEY* other_key_ = nullptr;
  const TimePoint now_ = Utc(2026, 11, 25);
};

TEST_F(X509VerifyTest, AcceptsCertificateFromTrustedCaWithCurrentCrl) {
  const X509Ptr cert = Issue(*ca_, {0x07, 0x05, 0xd9, 0x90});
  const TrustAnchors anchors = Anchors({Crl(*ca_, {}, Utc(2026, 11, 20), Utc(2026, 12, 20), 42)});
  auto report = VerifyUserAuthCertificate(*cert, anchors, now_);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->status, RevocationStatus::kCurrent);
  EXPECT_EQ(report->crl_number, 42);
  EXPECT_EQ(report->this_update, Utc(2026, 11, 20));
  EXPECT_EQ(report->age, std::chrono::hours(24 * 5));
  const CertificateDetails d = DescribeCertificate(*cert);
  EXPECT_EQ(d.serial, (Bytes{0x07, 0x05, 0xd9, 0x90}));
  EXPECT_NE(d.issuer.find("O=JPKI-TEST"), std::string::npos) << d.issuer;
  EXPECT_EQ(d.not_after, Utc(2029, 4, 1));
}

TEST_F(X509VerifyTest, RejectsCertificateFromAnotherCaWithTheSameName) {
  const X509Ptr cert = Issue(*other_ca_, {0x01});
  auto report = VerifyUserAuthCertificate(*cert, Anchors({}), now_);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, CertErrc::kUntrustedIssuer) << report.error().message;
}

TEST_F(X509VerifyTest, RejectsEverythingWithoutTrustMaterial) {
  const X509Ptr cert = Issue(*ca_, {0x01});
  auto anchors = TrustAnchors::Build({}, {});
  ASSERT_TRUE(anchors);
  auto report = VerifyUserAuthCertificate(*cert, *anchors, now_);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, CertErrc::kNoTrustMaterial);
}

TEST_F(X509VerifyTest, ChecksValidityAtTheNodesClock) {
  const X509Ptr cert = Issue(*ca_, {0x02}, Utc(2021, 1, 1), Utc(2026, 1, 1));
  auto expired = VerifyUserAuthCertificate(*cert, Anchors({}), now_);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, CertErrc::kExpired);
  EXPECT_NE(expired.error().message.find("2026-01-01"), std::string::npos) << expired.error().message;
  EXPECT_TRUE(VerifyUserAuthCertificate(*cert, Anchors({}), Utc(2025, 6, 1)));
  auto early = VerifyUserAuthCertificate(*cert, Anchors({}), Utc(2020, 6, 1));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, CertErrc::kNotYetValid);
}

TEST_F(X509VerifyTest, RejectsRevokedCertificate) {
  const X509Ptr cert = Issue(*ca_, {0x0a, 0x0b});
  const TrustAnchors anchors = Anchors(
      {Crl(*ca_, {{{0x0a, 0x0b}, Utc(2026, 10, 1)}, {{0x99}, Utc(2026, 9, 1)}}, Utc(2026, 11, 1), Utc(2026, 12, 1))});
  auto report = VerifyUserAuthCertificate(*cert, anchors, now_);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, CertErrc::kRevoked);
  EXPECT_NE(report.error().message.find("2026-10-01"), std::string::npos) << report.error().message;
}

TEST_F(X509VerifyTest, StaleCrlStillVerifiesAndSaysSinceWhen) {
  const X509Ptr cert = Issue(*ca_, {0x03});
  const TrustAnchors anchors = Anchors({Crl(*ca_, {}, Utc(2026, 9, 1), Utc(2026, 10, 1))});
  auto report = VerifyUserAuthCertificate(*cert, anchors, now_);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->status, RevocationStatus::kStale);
  EXPECT_EQ(report->next_update, Utc(2026, 10, 1));
  EXPECT_EQ(report->age, std::chrono::hours(24 * 85));
}

TEST_F(X509VerifyTest, StaleCrlStillRejectsWhatItLists) {
  const X509Ptr cert = Issue(*ca_, {0x03});
  const TrustAnchors anchors = Anchors({Crl(*ca_, {{{0x03}, Utc(2026, 8, 1)}}, Utc(2026, 9, 1), Utc(2026, 10, 1))});
  auto report = VerifyUserAuthCertificate(*cert, anchors, now_);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, CertErrc::kRevoked);
}

TEST_F(X509VerifyTest, NoCrlMeansRevocationUnavailable) {
  const X509Ptr cert = Issue(*ca_, {0x04});
  auto report = VerifyUserAuthCertificate(*cert, Anchors({}), now_);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, RevocationStatus::kUnavailable);
  EXPECT_FALSE(report->this_update);
}

// A list signed after the time checked at proves that time wrong (a clock
// set back): no "current" answer, and no verdict on the card's dates.
TEST_F(X509VerifyTest, CrlDatedAfterTheTimeCheckedAtIsAClockProblem) {
  const X509Ptr cert = Issue(*ca_, {0x06});
  const TrustAnchors anchors = Anchors({Crl(*ca_, {}, Utc(2026, 12, 1), Utc(2027, 1, 1))});
  auto report = VerifyUserAuthCertificate(*cert, anchors, now_);
  ASSERT_FALSE(report) << RevocationStatusName(report->status);
  EXPECT_EQ(report.error().code, CertErrc::kClockBehind);
  EXPECT_NE(report.error().message.find("2026-12-01"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("clock is behind"), std::string::npos) << report.error().message;
  EXPECT_TRUE(VerifyUserAuthCertificate(*cert, anchors, Utc(2026, 12, 2)));
  // What the list revokes stays revoked.
  const TrustAnchors revoking = Anchors({Crl(*ca_, {{{0x06}, Utc(2026, 11, 30)}}, Utc(2026, 12, 1), Utc(2027, 1, 1))});
  auto revoked = VerifyUserAuthCertificate(*cert, revoking, now_);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, CertErrc::kRevoked);
}

TEST_F(X509VerifyTest, NewestCrlIsUsed) {
  const X509Ptr cert = Issue(*ca_, {0x05});
  const TrustAnchors anchors =
      Anchors({Crl(*ca_, {}, Utc(2026, 9, 1), Utc(2026, 10, 1), 1),
               Crl(*ca_, {{{0x05}, Utc(2026, 11, 2)}}, Utc(2026, 11, 3), Utc(2026, 12, 3), 2)});
  auto report = VerifyUserAuthCertificate(*cert, anchors, now_);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, CertErrc::kRevoked);
}

TEST_F(X509VerifyTest, CrlNotSignedByTrustedCaIsIgnoredAndReported) {
  const X509Ptr cert = Issue(*ca_, {0x06});
  // Same issuer name, wrong key: a forged "everything is fine" list.
  const TrustAnchors anchors = Anchors({Crl(*other_ca_, {}, Utc(2026, 11, 20), Utc(2026, 12, 20))});
  ASSERT_EQ(anchors.problems().size(), 1u);
  EXPECT_NE(anchors.problems()[0].find("not signed by a CA"), std::string::npos);
  auto report = VerifyUserAuthCertificate(*cert, anchors, now_);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, RevocationStatus::kUnavailable);
}

TEST_F(X509VerifyTest, GarbageCrlIsIgnoredAndReported) {
  auto anchors = TrustAnchors::Build(std::vector<Bytes>{CertificateDer(*ca_->cert)}, std::vector<Bytes>{{1, 2, 3}});
  ASSERT_TRUE(anchors);
  ASSERT_EQ(anchors->problems().size(), 1u);
  EXPECT_TRUE(anchors->crls().empty());
}

TEST_F(X509VerifyTest, DamagedCaCertificateFailsToBuild) {
  auto anchors = TrustAnchors::Build(std::vector<Bytes>{{0x30, 0x03, 0x02, 0x01}}, {});
  ASSERT_FALSE(anchors);
  EXPECT_EQ(anchors.error().code, CertErrc::kMalformed);
}

// A CRL of `ca` listing `serial`, with `extension` (critical) added and
// signed again.
Bytes CrlWithCriticalExtension(const fieldkit::TestCa& ca, std::vector<fieldkit::RevokedCertificate> revoked,
                               TimePoint this_update, TimePoint next_update, int nid_or_zero) {
  auto crl = fieldkit::IssueCrl(ca, revoked, this_update, next_update, 11);
  EXPECT_TRUE(crl);
  if (nid_or_zero == NID_delta_crl) {
    Asn1IntegerPtr base(ASN1_INTEGER_new());
    ASN1_INTEGER_set(base.get(), 10);
    EXPECT_EQ(X509_CRL_add1_ext_i2d(crl->get(), NID_delta_crl, base.get(), 1, 0), 1);
  } else {
    // An extension no one processes: a private OID, marked critical.
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>("\x05\x00"), 2);
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value);
    EXPECT_NE(ext, nullptr);
    EXPECT_EQ(X509_CRL_add_ext(crl->get(), ext, -1), 1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(value);
    ASN1_OBJECT_free(oid);
  }
  EXPECT_GT(X509_CRL_sign(crl->get(), ca.key.get(), EVP_sha256()), 0);
  return CrlDer(**crl);
}

// A delta CRL lists only changes since its base: as the newest list it
// would hide the base's revocations. It is set aside, as is any CRL with a
// critical extension the node does not process (RFC 5280 5.2).
TEST_F(X509VerifyTest, DeltaCrlsAndUnknownCriticalExtensionsDoNotHideARevocation) {
  const X509Ptr cert = Issue(*ca_, {0x0d});
  const Bytes base = Crl(*ca_, {{{0x0d}, Utc(2026, 10, 1)}}, Utc(2026, 11, 1), Utc(2026, 12, 1), 10);
  for (const int nid : {NID_delta_crl, 0}) {
    SCOPED_TRACE(nid);
    const Bytes newer = CrlWithCriticalExtension(*ca_, {}, Utc(2026, 11, 20), Utc(2026, 11, 27), nid);
    const TrustAnchors anchors = Anchors({base, newer});
    auto r = VerifyUserAuthCertificate(*cert, anchors, now_);
    ASSERT_FALSE(r) << RevocationStatusName(r->status);
    EXPECT_EQ(r.error().code, CertErrc::kRevoked);
    ASSERT_EQ(anchors.problems().size(), 1u);
    EXPECT_NE(anchors.problems()[0].find(nid == NID_delta_crl ? "delta list" : "critical extension"), std::string::npos)
        << anchors.problems()[0];
  }
}

// A CA certificate re-issued with new dates (same name, same key): the path
// runs through the one valid now, whichever is listed first, and the CRL
// that either verifies is that issuer's.
TEST_F(X509VerifyTest, TheCrlOfAReissuedCaCertificateIsItsIssuersWhicheverCertificateIsListedFirst) {
  auto expired = fieldkit::CreateTestCa(SeedOf(1), Utc(2015, 1, 1), Utc(2025, 1, 1));  // ca_'s name and key
  ASSERT_TRUE(expired);
  const X509Ptr cert = Issue(*ca_, {0x0e});
  auto anchors = TrustAnchors::Build(
      std::vector<Bytes>{CertificateDer(*expired->cert), CertificateDer(*ca_->cert)},
      std::vector<Bytes>{Crl(*ca_, {{{0x0e}, Utc(2026, 10, 1)}}, Utc(2026, 11, 20), Utc(2026, 12, 20))});
  ASSERT_TRUE(anchors) << anchors.error().message;
  auto r = VerifyUserAuthCertificate(*cert, *anchors, now_);
  ASSERT_FALSE(r) << RevocationStatusName(r->status);
  EXPECT_EQ(r.error().code, CertErrc::kRevoked);
}

// RFC 5280 requires nextUpdate; a CRL without one still revokes what it
// lists, but nothing says how long it stays current: reported as stale
// from its own date on.
TEST_F(X509VerifyTest, ACrlWithoutANextUpdateRevokesButIsNeverCurrent) {
  X509CrlPtr crl(X509_CRL_new());
  Asn1TimePtr last(ASN1_TIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(Utc(2026, 11, 20)))));
  ASSERT_TRUE(crl && last);
  ASSERT_EQ(X509_CRL_set_version(crl.get(), 1), 1);
  ASSERT_EQ(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_->cert.get())), 1);
  ASSERT_EQ(X509_CRL_set1_lastUpdate(crl.get(), last.get()), 1);
  X509_REVOKED* entry = X509_REVOKED_new();
  Asn1IntegerPtr serial(ASN1_INTEGER_new());
  ASN1_INTEGER_set(serial.get(), 0x0f);
  ASSERT_EQ(X509_REVOKED_set_serialNumber(entry, serial.get()), 1);
  ASSERT_EQ(X509_REVOKED_set_revocationDate(entry, last.get()), 1);
  ASSERT_EQ(X509_CRL_add0_revoked(crl.get(), entry), 1);
  ASSERT_GT(X509_CRL_sign(crl.get(), ca_->key.get(), EVP_sha256()), 0);
  const TrustAnchors anchors = Anchors({CrlDer(*crl)});
  ASSERT_EQ(anchors.problems().size(), 1u);
  EXPECT_NE(anchors.problems()[0].find("no next-update date"), std::string::npos) << anchors.problems()[0];
  auto revoked = VerifyUserAuthCertificate(*Issue(*ca_, {0x0f}), anchors, now_);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, CertErrc::kRevoked);
  auto other = VerifyUserAuthCertificate(*Issue(*ca_, {0x10}), anchors, now_);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->status, RevocationStatus::kStale);
  EXPECT_EQ(other->next_update, Utc(2026, 11, 20));
}

TEST_F(X509VerifyTest, RequiresDigitalSignatureKeyUsage) {
  const X509Ptr cert = Issue(*ca_, {0x08});
  const X509Ptr no_sign = WithExtension(*cert, *ca_, NID_key_usage, "critical,keyEncipherment", true);
  auto report = VerifyUserAuthCertificate(*no_sign, Anchors({}), now_);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, CertErrc::kWrongKeyUsage);
}

TEST_F(X509VerifyTest, PartitionedCrlCoversOnlyItsPartition) {
  const X509Ptr base = Issue(*ca_, {0x09});
  const X509Ptr in_a = WithExtension(*base, *ca_, NID_crl_distribution_points, "URI:ldap://dir/partition-a");
  const X509Ptr in_b = WithExtension(*base, *ca_, NID_crl_distribution_points, "URI:ldap://dir/partition-b");
  auto crl = fieldkit::IssueCrl(*ca_, std::vector<fieldkit::RevokedCertificate>{{{0x09}, Utc(2026, 11, 1)}},
                                Utc(2026, 11, 20), Utc(2026, 12, 20), 7);
  ASSERT_TRUE(crl);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca_->cert.get(), nullptr, nullptr, crl->get(), 0);
  X509_EXTENSION* idp =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_issuing_distribution_point, "fullname:URI:ldap://dir/partition-a");
  ASSERT_NE(idp, nullptr) << DrainOpenSslErrors();
  X509_CRL_add_ext(crl->get(), idp, -1);
  X509_EXTENSION_free(idp);
  ASSERT_GT(X509_CRL_sign(crl->get(), ca_->key.get(), EVP_sha256()), 0);
  const TrustAnchors anchors = Anchors({CrlDer(**crl)});
  ASSERT_TRUE(anchors.problems().empty());

  auto a = VerifyUserAuthCertificate(*in_a, anchors, now_);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, CertErrc::kRevoked);
  auto b = VerifyUserAuthCertificate(*in_b, anchors, now_);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, RevocationStatus::kUnavailable);
}

TEST_F(X509VerifyTest, VerifiesCardStyleSignatureOverChallenge) {
  const X509Ptr cert = Issue(*ca_, {0x0c});
  const Bytes challenge(32, 0x5a);
  // What a JPKI card does: PKCS#1 v1.5 type-1 padding around the DigestInfo it is given.
  const Bytes digest_info = Sha256DigestInfo(challenge);
  ASSERT_EQ(digest_info.size(), 51u);
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(user_key_, nullptr));
  ASSERT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), 1);
  std::size_t len = 0;
  ASSERT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &len, digest_info.data(), digest_info.size()), 1);
  Bytes sig(len);
  ASSERT_EQ(EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest_info.data(), digest_info.size()), 1);
  ASSERT_EQ(len, 256u);

  EXPECT_TRUE(VerifyChallengeSignature(*cert, kRsaPkcs1Sha256, challenge, sig));
  Bytes other_challenge = challenge;
  other_challenge[0] ^= 1;
  auto wrong = VerifyChallengeSignature(*cert, kRsaPkcs1Sha256, other_challenge, sig);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, CertErrc::kBadSignature);
  auto algo = VerifyChallengeSignature(*cert, "ecdsa-p384-sha384", challenge, sig);
  ASSERT_FALSE(algo);
  EXPECT_EQ(algo.error().code, CertErrc::kUnsupportedAlgorithm);
}

TEST_F(X509VerifyTest, SignatureByAnotherKeyIsRejected) {
  const X509Ptr cert = Issue(*ca_, {0x0d});
  const Bytes challenge(32, 0x11);
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  ASSERT_EQ(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, other_key_), 1);
  std::size_t len = 0;
  ASSERT_EQ(EVP_DigestSign(md.get(), nullptr, &len, challenge.data(), challenge.size()), 1);
  Bytes sig(len);
  ASSERT_EQ(EVP_DigestSign(md.get(), sig.data(), &len, challenge.data(), challenge.size()), 1);
  auto r = VerifyChallengeSignature(*cert, kRsaPkcs1Sha256, challenge, sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CertErrc::kBadSignature);
  EXPECT_FALSE(VerifyChallengeSignature(*cert, kRsaPkcs1Sha256, challenge, Bytes{1, 2, 3}));
}

}  // namespace
}  // namespace akari::crypto
