#include "sync/record_json.h"

#include <gtest/gtest.h>

#include "sync/errors.h"
#include "sync/insurer_number.h"
#include "tests/testing/sample_records.h"

namespace akari::sync {
namespace {

TEST(RecordJsonTest, RoundTrips) {
  const PersonRecord r = testing::SamplePerson(42);
  auto back = RecordFromJson(RecordToJson(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(RecordJsonTest, NamesTheFirstBadField) {
  nlohmann::json j = RecordToJson(testing::SamplePerson(7));
  j["coverages"][1]["insurer_number"] = "17201" + std::to_string((InsurerCheckDigit("17201") + 1) % 10);
  auto r = RecordFromJson(j);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kInvalidRecord);
  EXPECT_NE(r.error().message.find("person 7: coverages[1].insurer_number"), std::string::npos) << r.error().message;
}

TEST(RecordJsonTest, RejectsWrongTypesAndBadDates) {
  nlohmann::json j = RecordToJson(testing::SamplePerson(7));
  j["birth_date"] = "1950-02-30";
  EXPECT_FALSE(RecordFromJson(j));
  j = RecordToJson(testing::SamplePerson(7));
  j["dispensings"][0]["quantity"] = "two";
  auto r = RecordFromJson(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("dispensings[0].quantity: expected a number"), std::string::npos);
  j = RecordToJson(testing::SamplePerson(7));
  j["coverages"][0]["valid_to"] = "2010-01-01";
  EXPECT_FALSE(RecordFromJson(j));
  EXPECT_FALSE(RecordFromJson(nlohmann::json::array()));
}

TEST(RecordJsonTest, AnEmptyRequiredDateIsRefusedAndNamed) {
  for (const auto& [path, field] : std::vector<std::pair<nlohmann::json::json_pointer, std::string>>{
           {"/birth_date"_json_pointer, "person 7: birth_date"},
           {"/coverages/0/valid_from"_json_pointer, "coverages[0].valid_from"},
           {"/dispensings/0/date"_json_pointer, "dispensings[0].date"}}) {
    nlohmann::json j = RecordToJson(testing::SamplePerson(7));
    j[path] = "";
    auto r = RecordFromJson(j);
    ASSERT_FALSE(r) << field;
    EXPECT_EQ(r.error().code, SyncErrc::kInvalidRecord);
    EXPECT_NE(r.error().message.find(field + ": empty"), std::string::npos) << r.error().message;
  }
  // An empty optional date is no date.
  nlohmann::json j = RecordToJson(testing::SamplePerson(7));
  j["coverages"][0]["valid_to"] = "";
  auto r = RecordFromJson(j);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->coverages[0].valid_to, 0);
}

TEST(RecordJsonTest, MissingOptionalFieldsAreTolerated) {
  nlohmann::json j = RecordToJson(testing::SamplePerson(3));
  j["dispensings"][0].erase("prescriber_code");
  j["dispensings"][0].erase("prescribed_date");
  j.erase("checkups");
  auto r = RecordFromJson(j);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->checkups.empty());
}

}  // namespace
}  // namespace akari::sync
