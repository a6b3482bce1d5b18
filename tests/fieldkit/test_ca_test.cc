#include "fieldkit/test_ca.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

namespace akari::fieldkit {
namespace {

const TimePoint kFrom = FromUnixSeconds(1700000000);
const TimePoint kTo = FromUnixSeconds(2000000000);

Seed TestSeed(std::string_view label) {
  return DeriveSeed(AsBytes("test master seed"), label);
}

TEST(TestCaTest, SameSeedGivesSameKeyAndCertificate) {
  auto a = CreateTestCa(TestSeed("ca"), kFrom, kTo);
  auto b = CreateTestCa(TestSeed("ca"), kFrom, kTo);
  ASSERT_TRUE(a && b) << (a ? b.error().message : a.error().message);
  EXPECT_EQ(crypto::CertificateDer(*a->cert), crypto::CertificateDer(*b->cert));
  EXPECT_EQ(EVP_PKEY_get_bits(a->key.get()), 2048);
  auto other = DeterministicRsaKey(TestSeed("other"));
  ASSERT_TRUE(other);
  EXPECT_NE(EVP_PKEY_eq(a->key.get(), other->get()), 1);
}

TEST(TestCaTest, IssuedCertificateVerifiesAgainstTheCa) {
  auto ca = CreateTestCa(TestSeed("ca"), kFrom, kTo);
  ASSERT_TRUE(ca);
  auto key = DeterministicRsaKey(TestSeed("person-1"));
  ASSERT_TRUE(key);
  auto cert = IssueUserAuthCertificate(*ca, **key, {{0x07, 0x05, 0xd9, 0x90}, "8439000000000000001A", kFrom, kTo, ""});
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ(X509_verify(cert->get(), ca->key.get()), 1);
  EXPECT_EQ(crypto::SerialBytes(**cert), (Bytes{0x07, 0x05, 0xd9, 0x90}));
  EXPECT_EQ(X509_get_key_usage(cert->get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_check_issued(ca->cert.get(), cert->get()), X509_V_OK);
  auto again = IssueUserAuthCertificate(*ca, **key, {{0x07, 0x05, 0xd9, 0x90}, "8439000000000000001A", kFrom, kTo, ""});
  EXPECT_EQ(crypto::CertificateDer(**cert), crypto::CertificateDer(**again));
}

TEST(TestCaTest, CrlListsRevokedSerialsAndVerifies) {
  auto ca = CreateTestCa(TestSeed("ca"), kFrom, kTo);
  ASSERT_TRUE(ca);
  const std::vector<RevokedCertificate> revoked = {{{0x01, 0x02}, kFrom}};
  auto crl = IssueCrl(*ca, revoked, kFrom, kTo, 7);
  ASSERT_TRUE(crl) << crl.error().message;
  EXPECT_EQ(X509_CRL_verify(crl->get(), ca->key.get()), 1);
  EXPECT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl->get())), 1);
  auto parsed = crypto::ParseCrlDer(crypto::CrlDer(**crl));
  ASSERT_TRUE(parsed);
}

TEST(TestCaTest, KeyPemRoundTripsAndCaReloads) {
  auto ca = CreateTestCa(TestSeed("ca"), kFrom, kTo);
  ASSERT_TRUE(ca);
  auto pem = PrivateKeyPem(*ca->key);
  ASSERT_TRUE(pem);
  EXPECT_NE(pem->find("BEGIN PRIVATE KEY"), std::string::npos);
  auto loaded = LoadTestCa(crypto::CertificateDer(*ca->cert), *pem);
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto wrong_key = DeterministicRsaKey(TestSeed("x"));
  auto wrong = LoadTestCa(crypto::CertificateDer(*ca->cert), *PrivateKeyPem(**wrong_key));
  EXPECT_FALSE(wrong);
}

}  // namespace
}  // namespace akari::fieldkit
