// akari-gen as a program: region files, determinism, refusals, card issuance.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <set>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "crypto/openssl.h"
#include "fieldkit/errors.h"
#include "fieldkit/gen/card_issuer.h"
#include "fieldkit/gen/generator.h"
#include "fieldkit/test_ca.h"
#include "sync/index_keys.h"
#include "sync/record_json.h"
#include "tests/fieldkit/gen_test_support.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/zstd_file.h"

namespace akari::fieldkit::gen {
namespace {

namespace fs = std::filesystem;
using testing::RunProgram;
using testing::TempDir;

using test_support::Gen;
using test_support::kAsOfArg;

std::vector<nlohmann::json> Lines(const fs::path& dir) {
  std::vector<nlohmann::json> out;
  const std::string s = testing::ReadZstdFile(dir / "persons.ndjson.zst");
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t nl = s.find('\n', pos);
    out.push_back(nlohmann::json::parse(s.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  return out;
}

class GenRegionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = Gen(
        {"region", "--persons", "300", "--seed", "42", "--as-of", kAsOfArg, "--out", (dir_->path() / "a").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path Region() { return dir_->path() / "a"; }
  static TempDir* dir_;
};
TempDir* GenRegionTest::dir_ = nullptr;

TEST_F(GenRegionTest, WritesTheDocumentedFilesAndValidRecords) {
  for (const char* f : {"region.json", "persons.ndjson.zst", "trust/ca.der", "trust/ca-key.pem", "trust/crl.der",
                        "trust/revoked.json"}) {
    EXPECT_TRUE(fs::exists(Region() / f)) << f;
  }
  const auto region = nlohmann::json::parse(ToString(test_support::ReadOrEmpty(Region() / "region.json")));
  EXPECT_EQ(region["format"], "akari-region");
  EXPECT_EQ(region["region"], "17");
  EXPECT_EQ(region["as_of"], kAsOfArg);
  EXPECT_EQ(region["persons"], 300);
  const auto lines = Lines(Region());
  ASSERT_EQ(lines.size(), 300u);
  for (const auto& j : lines) {
    auto r = sync::RecordFromJson(j);
    ASSERT_TRUE(r) << r.error().message;
  }
}

TEST_F(GenRegionTest, SameArgumentsGiveByteIdenticalFilesWhateverTheThreads) {
  TempDir t;
  auto r = Gen({"region", "--persons", "300", "--seed", "42", "--as-of", kAsOfArg, "--threads", "1", "--out",
                (t.path() / "b").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"region.json", "persons.ndjson.zst", "trust/ca.der", "trust/crl.der", "trust/revoked.json"}) {
    EXPECT_EQ(test_support::ReadOrEmpty(Region() / f), test_support::ReadOrEmpty(t.path() / "b" / f)) << f;
  }
  auto other =
      Gen({"region", "--persons", "300", "--seed", "43", "--as-of", kAsOfArg, "--out", (t.path() / "c").string()});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(test_support::ReadOrEmpty(Region() / "persons.ndjson.zst"),
            test_support::ReadOrEmpty(t.path() / "c" / "persons.ndjson.zst"));
  EXPECT_NE(test_support::ReadOrEmpty(Region() / "trust/ca.der"),
            test_support::ReadOrEmpty(t.path() / "c" / "trust/ca.der"));
}

TEST_F(GenRegionTest, CrlListsExactlyTheRevokedSerialsAndVerifies) {
  auto ca = crypto::ParseCertificateDer(test_support::ReadOrEmpty(Region() / "trust/ca.der"));
  auto crl = crypto::ParseCrlDer(test_support::ReadOrEmpty(Region() / "trust/crl.der"));
  ASSERT_TRUE(ca && crl);
  EVP_PKEY* pub = X509_get0_pubkey(ca->get());
  EXPECT_EQ(X509_CRL_verify(crl->get(), pub), 1);
  std::set<std::string> in_crl;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl->get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i));
    crypto::BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    Bytes b(static_cast<std::size_t>(BN_num_bytes(bn.get())));
    BN_bn2bin(bn.get(), b.data());
    in_crl.insert(ToHex(b));
  }
  const auto doc = nlohmann::json::parse(ToString(test_support::ReadOrEmpty(Region() / "trust/revoked.json")));
  std::set<std::string> listed;
  std::map<std::int64_t, std::string> linked;
  for (const auto& j : Lines(Region())) {
    if (!j["card_links"].empty()) linked[j["id"].get<std::int64_t>()] = j["card_links"][0]["serial"];
  }
  for (const auto& c : doc["certificates"]) {
    listed.insert(c["serial"].get<std::string>());
    EXPECT_EQ(linked[c["person"].get<std::int64_t>()], c["serial"].get<std::string>());
  }
  EXPECT_EQ(in_crl, listed);
  EXPECT_EQ(doc["persons"].size(), doc["certificates"].size());
}

std::int64_t LinkedPerson(const fs::path& region, nlohmann::json* link) {
  for (const auto& j : Lines(region)) {
    if (!j["card_links"].empty()) {
      if (link != nullptr) *link = j["card_links"][0];
      return j["id"].get<std::int64_t>();
    }
  }
  return 0;
}

std::int64_t UnlinkedPerson(const fs::path& region) {
  for (const auto& j : Lines(region)) {
    if (j["card_links"].empty()) return j["id"].get<std::int64_t>();
  }
  return 0;
}

crypto::Hash16 KeyOfCert(const X509& cert) {
  return sync::CardLinkKey(crypto::NameDer(*X509_get_issuer_name(&cert)), crypto::SerialBytes(cert));
}

TEST_F(GenRegionTest, CardVerifiesAgainstTheRegionCaAndMatchesThePersonsLink) {
  nlohmann::json link;
  const std::int64_t id = LinkedPerson(Region(), &link);
  ASSERT_GT(id, 0);
  TempDir t;
  auto r =
      Gen({"card", "--from", Region().string(), "--person", std::to_string(id), "--out", (t.path() / "c").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto cert = crypto::ParseCertificateDer(test_support::ReadOrEmpty(t.path() / "c/cert.der"));
  auto ca = crypto::ParseCertificateDer(test_support::ReadOrEmpty(t.path() / "c/ca.der"));
  ASSERT_TRUE(cert && ca);
  EXPECT_EQ(test_support::ReadOrEmpty(t.path() / "c/ca.der"), test_support::ReadOrEmpty(Region() / "trust/ca.der"));
  EXPECT_EQ(X509_verify(cert->get(), X509_get0_pubkey(ca->get())), 1);
  EXPECT_EQ(KeyOfCert(**cert), sync::CardLinkKey(*FromHex(link["issuer"].get<std::string>()),
                                                 *FromHex(link["serial"].get<std::string>())));
  auto key = ParsePrivateKeyPem(ToString(test_support::ReadOrEmpty(t.path() / "c/key.pem")));
  ASSERT_TRUE(key);
  EXPECT_EQ(EVP_PKEY_get_bits(key->get()), 2048);
  EXPECT_EQ(X509_check_private_key(cert->get(), key->get()), 1);
  EXPECT_EQ(ToString(test_support::ReadOrEmpty(t.path() / "c/person")), std::to_string(id) + "\n");
  // Deterministic: issuing again gives the same bytes.
  auto again =
      Gen({"card", "--from", Region().string(), "--person", std::to_string(id), "--out", (t.path() / "d").string()});
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_EQ(test_support::ReadOrEmpty(t.path() / "c/cert.der"), test_support::ReadOrEmpty(t.path() / "d/cert.der"));
  EXPECT_EQ(test_support::ReadOrEmpty(t.path() / "c/key.pem"), test_support::ReadOrEmpty(t.path() / "d/key.pem"));
}

TEST_F(GenRegionTest, CardScenariosProduceWhatTheySay) {
  const std::int64_t id = LinkedPerson(Region(), nullptr);
  TempDir t;
  const std::string p = std::to_string(id);
  ASSERT_EQ(Gen({"card", "--from", Region().string(), "--person", p, "--out", (t.path() / "v").string()}).exit_code, 0);
  ASSERT_EQ(Gen({"card", "--from", Region().string(), "--person", p, "--out", (t.path() / "e").string(), "--expired"})
                .exit_code,
            0);
  ASSERT_EQ(
      Gen({"card", "--from", Region().string(), "--person", p, "--out", (t.path() / "u").string(), "--unknown-ca"})
          .exit_code,
      0);
  ASSERT_EQ(Gen({"card", "--from", Region().string(), "--person", p, "--out", (t.path() / "n").string(), "--unlinked"})
                .exit_code,
            0);
  auto load = [&](const char* d) {
    return *crypto::ParseCertificateDer(test_support::ReadOrEmpty(t.path() / d / "cert.der"));
  };
  auto valid = load("v"), expired = load("e"), unknown = load("u"), unlinked = load("n");
  auto region_ca = *crypto::ParseCertificateDer(test_support::ReadOrEmpty(Region() / "trust/ca.der"));
  EVP_PKEY* region_key = X509_get0_pubkey(region_ca.get());
  // Expired: same key and serial, not valid at as-of (2026-11-25 JST).
  const time_t as_of = 1795532400;  // 2026-11-25T00:00:00+09:00
  EXPECT_EQ(crypto::SerialBytes(*expired), crypto::SerialBytes(*valid));
  EXPECT_TRUE(EVP_PKEY_eq(X509_get0_pubkey(expired.get()), X509_get0_pubkey(valid.get())) == 1);
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(expired.get()), const_cast<time_t*>(&as_of)), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(valid.get()), const_cast<time_t*>(&as_of)), 0);
  EXPECT_EQ(X509_verify(expired.get(), region_key), 1);
  // Unknown CA: same issuer name and serial (so the link key matches), other key.
  EXPECT_EQ(KeyOfCert(*unknown), KeyOfCert(*valid));
  EXPECT_NE(X509_verify(unknown.get(), region_key), 1);
  EXPECT_NE(test_support::ReadOrEmpty(t.path() / "u/ca.der"), test_support::ReadOrEmpty(Region() / "trust/ca.der"));
  auto other_ca = *crypto::ParseCertificateDer(test_support::ReadOrEmpty(t.path() / "u/ca.der"));
  EXPECT_EQ(X509_verify(unknown.get(), X509_get0_pubkey(other_ca.get())), 1);
  // Unlinked: region CA, a serial nobody links to.
  EXPECT_EQ(X509_verify(unlinked.get(), region_key), 1);
  const std::string serial = ToHex(crypto::SerialBytes(*unlinked));
  for (const auto& j : Lines(Region())) {
    for (const auto& l : j["card_links"]) EXPECT_NE(l["serial"].get<std::string>(), serial);
  }
}

TEST_F(GenRegionTest, RefusesWithClearErrors) {
  TempDir t;
  fs::create_directories(t.path() / "full");
  ASSERT_TRUE(WriteFileAtomically(t.path() / "full/x", AsBytes("x")));
  auto r = Gen({"region", "--persons", "10", "--as-of", kAsOfArg, "--out", (t.path() / "full").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is not empty"), std::string::npos) << r.err;
  r = Gen({"region", "--persons", "10", "--as-of", "2020-01-01", "--out", (t.path() / "o1").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--as-of must be"), std::string::npos) << r.err;
  r = Gen({"region", "--persons", "10", "--region", "13", "--as-of", kAsOfArg, "--out", (t.path() / "o2").string()});
  EXPECT_NE(r.err.find("--region 13 is not available"), std::string::npos) << r.err;
  r = Gen({"region", "--persons", "abc", "--out", (t.path() / "o3").string()});
  EXPECT_EQ(r.exit_code, 2);
  r = Gen({"card", "--from", Region().string(), "--person", "999999", "--out", (t.path() / "c1").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("person 999999 is not in"), std::string::npos) << r.err;
  const std::int64_t nolink = UnlinkedPerson(Region());
  ASSERT_GT(nolink, 0);
  r = Gen(
      {"card", "--from", Region().string(), "--person", std::to_string(nolink), "--out", (t.path() / "c2").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("has no card link"), std::string::npos) << r.err;
  r = Gen({"card", "--from", Region().string(), "--person", "1", "--out", (t.path() / "c3").string(), "--expired",
           "--unlinked"});
  EXPECT_EQ(r.exit_code, 2);
  r = Gen({"card", "--from", (t.path() / "nowhere").string(), "--person", "1", "--out", (t.path() / "c4").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(t.path() / "c2"));
}

TEST_F(GenRegionTest, LibraryErrorsCarryTheirCodes) {
  TempDir t;
  CardRequest req{Region(), 999999, t.path() / "x", CardScenario::kValid};
  auto s = IssueCard(req);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, FieldkitErrc::kNotFound);
  req.person = UnlinkedPerson(Region());
  s = IssueCard(req);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, FieldkitErrc::kNotFound);
  RegionOptions o;
  o.persons = 5;
  o.as_of = 20261125;
  auto w = WriteRegion(o, Region());
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, FieldkitErrc::kInvalidArgument);
}

}  // namespace
}  // namespace akari::fieldkit::gen
