#include "sync/index_keys.h"

#include <gtest/gtest.h>

#include "tests/testing/sample_records.h"

namespace akari::sync {
namespace {

TEST(IndexKeysTest, InsuranceKeyIgnoresFormattingButNotDigits) {
  EXPECT_EQ(InsuranceKey("01170016", "1234567", "101"), InsuranceKey("０１１７００１６", "123 4567", "１０１"));
  EXPECT_NE(InsuranceKey("01170016", "1234567", "101"), InsuranceKey("01170016", "1234567", "102"));
  EXPECT_NE(InsuranceKey("01170016", "12", "34"), InsuranceKey("01170016", "1", "234"));
}

TEST(IndexKeysTest, CardKeyIgnoresLeadingZeroBytesOfSerial) {
  const Bytes issuer = {0x30, 0x01};
  EXPECT_EQ(CardLinkKey(issuer, Bytes{0x00, 0x05}), CardLinkKey(issuer, Bytes{0x05}));
  EXPECT_NE(CardLinkKey(issuer, Bytes{0x05}), CardLinkKey(issuer, Bytes{0x06}));
}

TEST(IndexKeysTest, DerivesOneEntryPerLinkCoverageAndName) {
  const PersonRecord r = testing::SamplePerson(5);
  const IndexEntries e = DeriveIndexEntries(r, 20261101);
  EXPECT_EQ(e.card_keys.size(), 1u);
  EXPECT_EQ(e.insurance_keys.size(), 2u);
  ASSERT_EQ(e.name_keys.size(), 1u);
  EXPECT_EQ(e.name_keys[0].birth_date, r.person.birth_date);
  EXPECT_EQ(e.risk_classes, std::vector<RiskClass>{RiskClass::kInsulin});
}

}  // namespace
}  // namespace akari::sync
