// Regions of other prefectures: region 16 (富山県) through the akari-gen
// program (municipalities, insurers, facilities, cards, determinism), and
// region 17's output pinned to what the generator wrote before prefectures
// became a table.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "crypto/openssl.h"
#include "crypto/x509_verify.h"
#include "fieldkit/errors.h"
#include "fieldkit/gen/generator.h"
#include "fieldkit/gen/tables.h"
#include "fieldkit/test_ca.h"
#include "sync/index_keys.h"
#include "sync/insurer_number.h"
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

std::string Ndjson(const fs::path& dir) {
  return testing::ReadZstdFile(dir / "persons.ndjson.zst");
}

std::vector<sync::PersonRecord> Records(const fs::path& dir) {
  std::vector<sync::PersonRecord> out;
  const std::string s = Ndjson(dir);
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t nl = s.find('\n', pos);
    auto r = sync::RecordFromJson(nlohmann::json::parse(s.substr(pos, nl - pos)));
    EXPECT_TRUE(r) << r.error().message;
    if (r) out.push_back(std::move(*r));
    pos = nl + 1;
  }
  return out;
}

std::string Sha256Hex(ByteSpan data) {
  return ToHex(crypto::Sha256(data));
}

const Municipality* ToyamaMunicipality(std::string_view name) {
  for (const Municipality& m : ToyamaMunicipalities()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

class GenPrefectureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = Gen({"region", "--region", "16", "--persons", "600", "--seed", "42", "--as-of", kAsOfArg, "--out",
                  Toyama().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Gen({"region", "--persons", "300", "--seed", "42", "--as-of", kAsOfArg, "--out", Ishikawa().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path Toyama() { return dir_->path() / "toyama"; }
  static fs::path Ishikawa() { return dir_->path() / "ishikawa"; }
  static TempDir* dir_;
};
TempDir* GenPrefectureTest::dir_ = nullptr;

// Hashes of `akari-gen region --persons 300 --seed 42 --as-of 2026-11-25`
// and of `akari-gen card --person 1` from it, taken with the generator as it
// was before regions became a table of prefectures (commit 2e9e2e0). Region
// 17 must never change for the same arguments. One deliberate change since:
// the revocation list and the card certificates name the region's CRL
// partition (2026-11-26), so that one region's list never vouches for
// another region's cards; the persons, region.json and the CA are as before.
TEST_F(GenPrefectureTest, Region17IsByteIdenticalToTheGeneratorBeforePrefectureTables) {
  EXPECT_EQ(Sha256Hex(AsBytes(Ndjson(Ishikawa()))), "01af1d86f0565192ad820a5f044a2b42bf00173abdc05f0a1ac6f57705f2e73f");
  EXPECT_EQ(Sha256Hex(test_support::ReadOrEmpty(Ishikawa() / "region.json")),
            "f84e94eb9f517274c14394a18efce187a493ea20863a8bba538eee6a970ce9ca");
  EXPECT_EQ(Sha256Hex(test_support::ReadOrEmpty(Ishikawa() / "trust/ca.der")),
            "77a214c6f9b8d3a5c0084fa6a902be967f74b075886050f2c0e866577eb0d115");
  EXPECT_EQ(Sha256Hex(test_support::ReadOrEmpty(Ishikawa() / "trust/crl.der")),
            "90e8ffa0a29d0efde96ec9add97375b8c8ff2ad6444d52bc17cedc20c791fb10");
  EXPECT_EQ(Sha256Hex(test_support::ReadOrEmpty(Ishikawa() / "trust/revoked.json")),
            "0a491fc31f52317bb6a3b985330badaf2daa7896d04dc0d71c0ecdfaa73dc1d2");
  TempDir t;
  auto r = Gen({"card", "--from", Ishikawa().string(), "--person", "1", "--out", (t.path() / "c").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sha256Hex(test_support::ReadOrEmpty(t.path() / "c/cert.der")),
            "27e20cb68812370b5a02595f14f78d36ed75eef0af74748ad2889ddf273e3114");
  EXPECT_EQ(Sha256Hex(test_support::ReadOrEmpty(t.path() / "c/key.pem")),
            "a537d22552dd229360c76eac9271dfb848b869633757f9ce2e037e6c90a584ff");
}

TEST_F(GenPrefectureTest, ToyamaTableHasTheFifteenRealMunicipalityCodes) {
  const std::vector<std::string_view> expected = {"16201", "16202", "16204", "16205", "16206",
                                                  "16207", "16208", "16209", "16210", "16211",
                                                  "16321", "16322", "16323", "16342", "16343"};
  const auto munis = ToyamaMunicipalities();
  ASSERT_EQ(munis.size(), expected.size());
  for (std::size_t i = 0; i < munis.size(); ++i) {
    EXPECT_EQ(munis[i].code, expected[i]) << munis[i].name;
    EXPECT_GT(munis[i].population, 0);
    EXPECT_FALSE(munis[i].postal_prefixes.empty());
    EXPECT_FALSE(munis[i].towns.empty());
    for (std::string_view p : munis[i].postal_prefixes) EXPECT_TRUE(p.starts_with("93")) << munis[i].name << p;
  }
  EXPECT_EQ(munis.front().name, "富山市");
  EXPECT_EQ(munis.back().name, "朝日町");
  const Prefecture* toyama = FindPrefecture("16");
  ASSERT_NE(toyama, nullptr);
  EXPECT_EQ(toyama->name, "富山県");
  EXPECT_EQ(toyama->municipalities.data(), munis.data());
  EXPECT_EQ(FindPrefecture("17")->municipalities.size(), 19u);
  EXPECT_EQ(FindPrefecture("13"), nullptr);
}

TEST_F(GenPrefectureTest, Region16DescribesToyama) {
  const auto region = nlohmann::json::parse(ToString(test_support::ReadOrEmpty(Toyama() / "region.json")));
  EXPECT_EQ(region["region"], "16");
  EXPECT_EQ(region["prefecture"], "富山県");
  EXPECT_EQ(region["persons"], 600);
  const auto records = Records(Toyama());
  ASSERT_EQ(records.size(), 600u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].person.id, static_cast<std::int64_t>(i + 1));
}

TEST_F(GenPrefectureTest, AddressesAreInToyamaMunicipalitiesWithTheirPostalPrefixesAndTowns) {
  std::set<std::string> seen;
  for (const sync::PersonRecord& r : Records(Toyama())) {
    const sync::Address& a = r.person.address;
    EXPECT_EQ(a.prefecture, "富山県");
    const Municipality* m = ToyamaMunicipality(a.municipality);
    ASSERT_NE(m, nullptr) << a.municipality;
    seen.insert(a.municipality);
    EXPECT_TRUE(std::any_of(m->postal_prefixes.begin(), m->postal_prefixes.end(),
                            [&](std::string_view p) { return a.postal_code.starts_with(p); }))
        << a.municipality << " " << a.postal_code;
    EXPECT_EQ(a.postal_code.size(), 8u) << a.postal_code;
    EXPECT_TRUE(
        std::any_of(m->towns.begin(), m->towns.end(), [&](std::string_view t) { return a.rest.starts_with(t); }))
        << a.municipality << " " << a.rest;
  }
  EXPECT_GE(seen.size(), 10u);
  EXPECT_TRUE(seen.contains("富山市"));
  EXPECT_TRUE(seen.contains("高岡市"));
}

// Which 保険者番号 a Toyama resident may carry: Toyama's own insurers, the
// shared nationwide unions (0613) and 国家公務員共済 (北陸, 3117).
void ExpectToyamaInsurer(const sync::Coverage& c) {
  const std::string& n = c.insurer_number;
  EXPECT_EQ(sync::CheckInsurerNumber(n), sync::InsurerNumberProblem::kNone) << n;
  if (n.size() == 6) {
    EXPECT_TRUE(n.starts_with("16")) << n << " " << c.insurer_name;  // 市町村国保, 国保組合
    if (n[2] == '0') {
      EXPECT_NE(ToyamaMunicipality(c.insurer_name), nullptr) << c.insurer_name;
    } else {
      EXPECT_TRUE(c.insurer_name.starts_with("富山県")) << c.insurer_name;
    }
    return;
  }
  ASSERT_EQ(n.size(), 8u) << n;
  const std::string law = n.substr(0, 2), pref = n.substr(2, 2);
  if (law == "01") {
    EXPECT_EQ(n, "01160019");
    EXPECT_EQ(c.insurer_name, "全国健康保険協会富山支部");
  } else if (law == "06") {
    EXPECT_TRUE(pref == "16" || pref == "13") << n;
  } else if (law == "31") {
    EXPECT_EQ(n.substr(0, 7), "3117001") << n;
  } else if (law == "32" || law == "33" || law == "34") {
    EXPECT_EQ(pref, "16") << n;
    EXPECT_NE(c.insurer_name.find("富山"), std::string::npos) << c.insurer_name;
  } else if (law == "39") {
    EXPECT_EQ(pref, "16") << n;
    EXPECT_EQ(c.insurer_name, "富山県後期高齢者医療広域連合");
    const std::string code = n.substr(2, 5);
    const auto munis = ToyamaMunicipalities();
    EXPECT_TRUE(std::any_of(munis.begin(), munis.end(), [&](const Municipality& m) { return m.code == code; })) << n;
  } else {
    ADD_FAILURE() << "unexpected 法別番号 in " << n;
  }
}

TEST_F(GenPrefectureTest, InsurerNumbersHaveValidCheckDigitsAndToyamaPrefixes) {
  std::set<std::string> laws;
  for (const sync::PersonRecord& r : Records(Toyama())) {
    for (const sync::Coverage& c : r.coverages) {
      ExpectToyamaInsurer(c);
      laws.insert(c.insurer_number.size() == 6 ? "kokuho" : c.insurer_number.substr(0, 2));
    }
  }
  // 600 persons meet every scheme.
  for (const char* law : {"01", "06", "31", "32", "33", "34", "39", "kokuho"}) EXPECT_TRUE(laws.contains(law)) << law;
}

TEST_F(GenPrefectureTest, FacilityCodesCarryPrefecture16AndValidCheckDigits) {
  std::size_t lines = 0;
  for (const sync::PersonRecord& r : Records(Toyama())) {
    for (const sync::Dispensing& d : r.dispensings) {
      ++lines;
      for (const std::string& code : {d.pharmacy_code, d.prescriber_code}) {
        ASSERT_EQ(code.size(), 10u) << code;
        EXPECT_TRUE(code.starts_with("16")) << code;
        EXPECT_EQ(code.back() - '0', sync::InsurerCheckDigit(std::string_view(code).substr(0, 9))) << code;
      }
    }
    for (const sync::Checkup& c : r.checkups) EXPECT_EQ(c.facility_name.find("石川"), std::string::npos);
  }
  EXPECT_GT(lines, 1000u);
}

TEST_F(GenPrefectureTest, RegionsShareTheNationalCaButNeitherPersonsNorSerials) {
  EXPECT_EQ(test_support::ReadOrEmpty(Toyama() / "trust/ca.der"),
            test_support::ReadOrEmpty(Ishikawa() / "trust/ca.der"));
  const auto toyama = Records(Toyama()), ishikawa = Records(Ishikawa());
  std::set<std::string> serials;
  for (const auto& r : ishikawa) {
    for (const auto& l : r.card_links) serials.insert(l.serial_hex);
  }
  std::size_t linked = 0, same_person = 0;
  for (const auto& r : toyama) {
    for (const auto& l : r.card_links) {
      ++linked;
      EXPECT_TRUE(l.serial_hex.starts_with("16")) << l.serial_hex;
      EXPECT_FALSE(serials.contains(l.serial_hex)) << l.serial_hex;
    }
  }
  for (std::size_t i = 0; i < ishikawa.size(); ++i) {
    same_person += toyama[i].person.name == ishikawa[i].person.name &&
                   toyama[i].person.birth_date == ishikawa[i].person.birth_date;
  }
  EXPECT_GT(linked, 300u);
  EXPECT_LT(same_person, 5u);  // the same seed gives other people in another prefecture
}

TEST_F(GenPrefectureTest, CardOfAToyamaPersonVerifiesAgainstTheNationalCaAndMatchesTheLink) {
  const auto records = Records(Toyama());
  const auto it = std::find_if(records.begin(), records.end(), [](const auto& r) { return !r.card_links.empty(); });
  ASSERT_NE(it, records.end());
  TempDir t;
  auto r = Gen({"card", "--from", Toyama().string(), "--person", std::to_string(it->person.id), "--out",
                (t.path() / "c").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto cert = crypto::ParseCertificateDer(test_support::ReadOrEmpty(t.path() / "c/cert.der"));
  auto ca = crypto::ParseCertificateDer(test_support::ReadOrEmpty(Toyama() / "trust/ca.der"));
  ASSERT_TRUE(cert && ca);
  EXPECT_EQ(test_support::ReadOrEmpty(t.path() / "c/ca.der"), test_support::ReadOrEmpty(Toyama() / "trust/ca.der"));
  EXPECT_EQ(X509_verify(cert->get(), X509_get0_pubkey(ca->get())), 1);
  EXPECT_EQ(
      sync::CardLinkKey(crypto::NameDer(*X509_get_issuer_name(cert->get())), crypto::SerialBytes(**cert)),
      sync::CardLinkKey(*FromHex(it->card_links.front().issuer_der_hex), *FromHex(it->card_links.front().serial_hex)));
  auto key = ParsePrivateKeyPem(ToString(test_support::ReadOrEmpty(t.path() / "c/key.pem")));
  ASSERT_TRUE(key);
  EXPECT_EQ(X509_check_private_key(cert->get(), key->get()), 1);
  // The card of Ishikawa's person with the same id is another card.
  auto other = Gen({"card", "--from", Ishikawa().string(), "--person", "1", "--out", (t.path() / "i").string()});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  if (it->person.id == 1) {
    EXPECT_NE(test_support::ReadOrEmpty(t.path() / "c/key.pem"), test_support::ReadOrEmpty(t.path() / "i/key.pem"));
  }
}

// A region's revocation list covers its own cards only: at a node holding
// Ishikawa's list, a revoked Toyama card must not pass as "not revoked"
// (it is "no revocation data"), and with Toyama's list it is refused.
TEST_F(GenPrefectureTest, ARegionsRevocationListCoversItsOwnCardsOnly) {
  const nlohmann::json revoked =
      nlohmann::json::parse(ToString(test_support::ReadOrEmpty(Toyama() / "trust/revoked.json")));
  ASSERT_FALSE(revoked["persons"].empty()) << "the generated Toyama region revoked no card";
  const std::int64_t person = revoked["persons"][0];
  TempDir t;
  auto r = Gen(
      {"card", "--from", Toyama().string(), "--person", std::to_string(person), "--out", (t.path() / "c").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto cert = crypto::ParseCertificateDer(test_support::ReadOrEmpty(t.path() / "c/cert.der"));
  ASSERT_TRUE(cert);
  const std::vector<Bytes> cas = {test_support::ReadOrEmpty(Toyama() / "trust/ca.der")};
  ASSERT_EQ(cas.front(), test_support::ReadOrEmpty(Ishikawa() / "trust/ca.der"));  // one national CA
  const Bytes ishikawa_crl = test_support::ReadOrEmpty(Ishikawa() / "trust/crl.der");
  const Bytes toyama_crl = test_support::ReadOrEmpty(Toyama() / "trust/crl.der");
  TimePoint now;
  ASSERT_TRUE(ParseUtc("2026-11-25T03:00:00Z", now));

  auto ishikawa_only = crypto::TrustAnchors::Build(cas, std::vector<Bytes>{ishikawa_crl});
  ASSERT_TRUE(ishikawa_only);
  auto report = crypto::VerifyUserAuthCertificate(**cert, *ishikawa_only, now);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->status, crypto::RevocationStatus::kUnavailable);

  auto both = crypto::TrustAnchors::Build(cas, std::vector<Bytes>{ishikawa_crl, toyama_crl});
  ASSERT_TRUE(both);
  auto refused = crypto::VerifyUserAuthCertificate(**cert, *both, now);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, crypto::CertErrc::kRevoked) << refused.error().message;

  // An Ishikawa card is covered by Ishikawa's list, newer or not than Toyama's.
  auto own = Gen({"card", "--from", Ishikawa().string(), "--person", "1", "--out", (t.path() / "i").string()});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  auto ishikawa_cert = crypto::ParseCertificateDer(test_support::ReadOrEmpty(t.path() / "i/cert.der"));
  ASSERT_TRUE(ishikawa_cert);
  auto current = crypto::VerifyUserAuthCertificate(**ishikawa_cert, *both, now);
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_EQ(current->status, crypto::RevocationStatus::kCurrent);
}

TEST_F(GenPrefectureTest, Region16IsAPureFunctionOfItsArguments) {
  TempDir t;
  auto r = Gen({"region", "--region", "16", "--persons", "600", "--seed", "42", "--as-of", kAsOfArg, "--threads", "1",
                "--out", (t.path() / "again").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"region.json", "persons.ndjson.zst", "trust/ca.der", "trust/crl.der", "trust/revoked.json"}) {
    EXPECT_EQ(test_support::ReadOrEmpty(Toyama() / f), test_support::ReadOrEmpty(t.path() / "again" / f)) << f;
  }
  // The library gives the same records as the program.
  RegionOptions o;
  o.region = "16";
  o.persons = 40;
  o.seed = 42;
  o.as_of = 20261125;
  std::vector<std::string> lines;
  ForEachPerson(o, [&](sync::PersonRecord&& rec) { lines.push_back(sync::RecordToJson(rec).dump()); });
  const std::string all = Ndjson(Toyama());
  ASSERT_EQ(lines.size(), 40u);
  std::size_t pos = 0;
  for (const std::string& l : lines) {
    const std::size_t nl = all.find('\n', pos);
    EXPECT_EQ(all.substr(pos, nl - pos), l);
    pos = nl + 1;
  }
}

TEST_F(GenPrefectureTest, UnknownRegionsAreRefusedNamingTheAvailableOnes) {
  TempDir t;
  auto r =
      Gen({"region", "--region", "13", "--persons", "10", "--as-of", kAsOfArg, "--out", (t.path() / "x").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--region 13 is not available"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("16 (富山県, Toyama), 17 (石川県, Ishikawa)"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(t.path() / "x" / "region.json"));
  RegionOptions o;
  o.persons = 5;
  o.as_of = 20261125;
  o.region = "16";
  EXPECT_TRUE(ValidateRegionOptions(o));
  o.region = "";
  auto s = ValidateRegionOptions(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, FieldkitErrc::kInvalidArgument);
  // A region.json naming an unknown region is refused by `card` too.
  fs::create_directories(t.path() / "edited");
  for (const char* f : {"persons.ndjson.zst"}) fs::copy_file(Toyama() / f, t.path() / "edited" / f);
  auto region = nlohmann::json::parse(ToString(test_support::ReadOrEmpty(Toyama() / "region.json")));
  region["region"] = "99";
  ASSERT_TRUE(WriteFileAtomically(t.path() / "edited/region.json", AsBytes(region.dump())));
  r = Gen({"card", "--from", (t.path() / "edited").string(), "--person", "1", "--out", (t.path() / "c").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--region 99 is not available"), std::string::npos) << r.err;
  region["region"] = 16;
  ASSERT_TRUE(WriteFileAtomically(t.path() / "edited/region.json", AsBytes(region.dump())));
  r = Gen({"card", "--from", (t.path() / "edited").string(), "--person", "1", "--out", (t.path() / "d").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is not an akari-gen region description"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace akari::fieldkit::gen
