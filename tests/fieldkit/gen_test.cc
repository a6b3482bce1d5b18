// Generator properties on records (library level, small regions).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "fieldkit/errors.h"
#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/generator.h"
#include "fieldkit/gen/tables.h"
#include "sync/insurer_number.h"
#include "sync/record_json.h"
#include "sync/risk_class.h"
#include "tests/fieldkit/gen_test_support.h"

namespace akari::fieldkit::gen {
namespace {

using test_support::kAsOf;

std::vector<sync::PersonRecord> Region(std::int64_t persons, std::uint64_t seed = 11, Date as_of = kAsOf) {
  RegionOptions o;
  o.persons = persons;
  o.seed = seed;
  o.as_of = as_of;
  std::vector<sync::PersonRecord> out;
  ForEachPerson(o, [&](sync::PersonRecord&& r) { out.push_back(std::move(r)); });
  return out;
}

bool Deceased(const sync::PersonRecord& r) {
  return std::any_of(r.coverages.begin(), r.coverages.end(),
                     [](const sync::Coverage& c) { return c.loss_reason == sync::LossReason::kDeath; });
}

const sync::Coverage* Current(const sync::PersonRecord& r) {
  for (const sync::Coverage& c : r.coverages) {
    if (c.valid_to == 0) return &c;
  }
  return nullptr;
}

TEST(GenRecordsTest, EveryRecordPassesRecordFromJsonAndIdsAscend) {
  const auto records = Region(400);
  ASSERT_EQ(records.size(), 400u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].person.id, static_cast<std::int64_t>(i + 1));
    auto back = sync::RecordFromJson(sync::RecordToJson(records[i]));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, records[i]);
  }
}

TEST(GenRecordsTest, SameSeedSameRecordsOtherSeedDifferent) {
  const auto a = Region(150, 5), b = Region(150, 5), c = Region(150, 6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(GenRecordsTest, InsurerNumbersHaveValidCheckDigitsAndMatchTheirScheme) {
  int count = 0;
  for (const auto& r : Region(400)) {
    for (const auto& c : r.coverages) {
      EXPECT_EQ(sync::CheckInsurerNumber(c.insurer_number), sync::InsurerNumberProblem::kNone) << c.insurer_number;
      EXPECT_EQ(sync::SchemeOfInsurerNumber(c.insurer_number), c.scheme) << c.insurer_number;
      ++count;
    }
  }
  EXPECT_GT(count, 400);
}

TEST(GenRecordsTest, AgeStructureFollowsJapan) {
  const auto records = Region(3000);
  int alive = 0, over65 = 0, under15 = 0, over75 = 0, male = 0;
  for (const auto& r : records) {
    if (Deceased(r)) continue;
    ++alive;
    const int age = sync::AgeOn(r.person.birth_date, kAsOf);
    over65 += age >= 65;
    over75 += age >= 75;
    under15 += age < 15;
    male += r.person.sex == sync::Sex::kMale;
  }
  const double n = alive;
  EXPECT_NEAR(over65 / n, 0.29, 0.035);
  EXPECT_NEAR(over75 / n, 0.165, 0.03);
  EXPECT_NEAR(under15 / n, 0.115, 0.03);
  EXPECT_NEAR(male / n, 0.485, 0.03);
}

TEST(GenRecordsTest, AboutEightyPercentHaveCardLinks) {
  int alive = 0, linked = 0;
  for (const auto& r : Region(2000)) {
    if (Deceased(r)) {
      EXPECT_TRUE(r.card_links.empty()) << r.person.id;
      continue;
    }
    ++alive;
    linked += !r.card_links.empty();
  }
  EXPECT_NEAR(static_cast<double>(linked) / alive, 0.80, 0.04);
}

TEST(GenRecordsTest, EveryoneOver75IsInKokiFromTheirBirthday) {
  int checked = 0, switched = 0;
  for (const auto& r : Region(2000)) {
    const Date b75 = std::max(BirthdayAt(r.person.birth_date, 75), 20080401);
    for (std::size_t i = 0; i < r.coverages.size(); ++i) {
      const auto& c = r.coverages[i];
      if (c.valid_to == b75) {  // the coverage that ended on the 75th birthday
        EXPECT_EQ(c.loss_reason, sync::LossReason::kOtherInsurance) << r.person.id;
        ASSERT_LT(i + 1, r.coverages.size());
        EXPECT_EQ(r.coverages[i + 1].scheme, sync::Scheme::kKoki) << r.person.id;
        ++switched;
      }
    }
    if (sync::AgeOn(r.person.birth_date, kAsOf) < 75) continue;
    const sync::Coverage* cur = Current(r);
    if (cur == nullptr) continue;  // died or moved out
    EXPECT_EQ(cur->scheme, sync::Scheme::kKoki) << r.person.id;
    EXPECT_EQ(cur->valid_from, b75) << r.person.id;
    EXPECT_EQ(cur->copay_percent == 10 || cur->copay_percent == 20 || cur->copay_percent == 30, true);
    ++checked;
  }
  EXPECT_GT(checked, 150);
  EXPECT_GT(switched, 20);
}

TEST(GenRecordsTest, DependentsShareTheInsuredsNumberWithDistinctBranches) {
  const auto records = Region(1500);
  std::set<std::tuple<std::string, std::string, std::string>> insured;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> current;
  int dependents = 0;
  for (const auto& r : records) {
    for (const auto& c : r.coverages) {
      if (c.relationship == sync::Relationship::kInsured && c.branch != "01" && c.scheme != sync::Scheme::kKokuho) {
        insured.insert({c.insurer_number, c.symbol, c.number});
      }
    }
  }
  for (const auto& r : records) {
    for (const auto& c : r.coverages) {
      if (c.valid_to == 0) {
        EXPECT_TRUE(current.insert({c.insurer_number, c.symbol, c.number, c.branch}).second)
            << "two persons hold " << c.insurer_number << " " << c.symbol << " " << c.number << " " << c.branch;
        if (c.scheme != sync::Scheme::kKoki) {
          EXPECT_EQ(c.branch.size(), 2u);
        }
      }
      if (c.relationship != sync::Relationship::kDependent) continue;
      ++dependents;
      EXPECT_NE(c.branch, "00");
      EXPECT_TRUE(insured.count({c.insurer_number, c.symbol, c.number})) << r.person.id;
      EXPECT_TRUE(c.scheme == sync::Scheme::kKyokaiKenpo || c.scheme == sync::Scheme::kKenpoKumiai ||
                  c.scheme == sync::Scheme::kKyosai);
    }
  }
  EXPECT_GT(dependents, 100);
}

TEST(GenRecordsTest, CopayFollowsAge) {
  for (const auto& r : Region(1500)) {
    const sync::Coverage* cur = Current(r);
    if (cur == nullptr || cur->scheme == sync::Scheme::kKoki) continue;
    const int age = sync::AgeOn(r.person.birth_date, kAsOf);
    if (kAsOf < SchoolStart(r.person.birth_date)) {
      EXPECT_EQ(cur->copay_percent, 20) << r.person.id;
    } else if (age >= 6 && age < 69) {
      EXPECT_EQ(cur->copay_percent, 30) << r.person.id;
    } else if (age >= 71 && age < 75) {
      EXPECT_TRUE(cur->copay_percent == 20 || cur->copay_percent == 30) << r.person.id;
    }
  }
}

TEST(GenRecordsTest, WindowsAreThreeYearsOfDispensingsAndFiveOfCheckups) {
  int with_meds = 0, with_checkups = 0;
  for (const auto& r : Region(800)) {
    for (const auto& d : r.dispensings) {
      EXPECT_GT(d.date, AddYears(kAsOf, -3));
      EXPECT_LE(d.date, kAsOf);
      EXPECT_EQ(d.yj_code.size(), 12u);
      EXPECT_EQ(d.pharmacy_code.size(), 10u);
    }
    for (const auto& c : r.checkups) {
      EXPECT_GT(c.date, AddYears(kAsOf, -5));
      const int age = sync::AgeOn(r.person.birth_date, c.date);
      EXPECT_TRUE(age >= 40 && age <= 74);
      EXPECT_EQ(c.items.size(), 18u);
    }
    with_meds += !r.dispensings.empty();
    with_checkups += !r.checkups.empty();
  }
  EXPECT_GT(with_meds, 400);
  EXPECT_GT(with_checkups, 150);
}

// The property the sync engineer's 1%-delta benchmark relies on.
TEST(GenRecordsTest, MovingAsOfOneDayChangesFewPersonsAndLeavesOthersByteIdentical) {
  const auto d0 = Region(600, 21, 20261125), d1 = Region(600, 21, 20261126);
  ASSERT_EQ(d0.size(), d1.size());
  int changed = 0;
  for (std::size_t i = 0; i < d0.size(); ++i) {
    const std::string a = sync::RecordToJson(d0[i]).dump(), b = sync::RecordToJson(d1[i]).dump();
    if (a != b) ++changed;
  }
  EXPECT_GT(changed, 0);
  EXPECT_LE(changed, 600 * 5 / 100) << changed;
}

TEST(DrugTableTest, HasAtLeast200WellFormedUniqueEntries) {
  std::set<std::string_view> seen;
  for (const Drug& d : DrugTable()) {
    EXPECT_EQ(d.yj.size(), 12u) << d.name;
    EXPECT_TRUE(seen.insert(d.yj).second) << d.yj;
    EXPECT_TRUE(std::all_of(d.yj.begin(), d.yj.begin() + 7, [](char c) { return c >= '0' && c <= '9'; })) << d.yj;
    EXPECT_TRUE(d.yj[7] >= 'A' && d.yj[7] <= 'Z') << d.yj;
    EXPECT_FALSE(d.name.empty());
    EXPECT_FALSE(d.ingredient.empty());
    EXPECT_GT(d.usual_daily, 0);
  }
  EXPECT_GE(DrugTable().size(), 200u);
}

TEST(DrugTableTest, HighRiskEntriesAreClassifiedAsIntended) {
  auto classes = [](std::string_view yj) {
    const Drug& d = DrugByYj(yj);
    return sync::ClassifyMedicine(d.yj, d.ingredient);
  };
  using sync::RiskClass;
  auto has = [&](std::string_view yj, RiskClass c) {
    const auto v = classes(yj);
    return std::find(v.begin(), v.end(), c) != v.end();
  };
  EXPECT_TRUE(has("2492416G2024", RiskClass::kInsulin));
  EXPECT_TRUE(has("3339004F2025", RiskClass::kAnticoagulant));
  EXPECT_TRUE(has("3332001F1016", RiskClass::kAnticoagulant));
  EXPECT_TRUE(has("3399008F2021", RiskClass::kAntiplatelet));
  EXPECT_TRUE(has("1139010F2020", RiskClass::kAntiepileptic));
  EXPECT_TRUE(has("2456001F1019", RiskClass::kSteroid));
  EXPECT_TRUE(has("1129009F1025", RiskClass::kPsychotropic));
  EXPECT_TRUE(has("1179046F2024", RiskClass::kPsychotropic));
  EXPECT_TRUE(has("1169101F1146", RiskClass::kAntiparkinson));
  EXPECT_TRUE(has("2431004F1056", RiskClass::kThyroid));
  EXPECT_TRUE(has("3999014M1022", RiskClass::kImmunosuppressant));
  EXPECT_TRUE(has("3999017M1026", RiskClass::kImmunosuppressant));
  EXPECT_TRUE(has("2190025F1036", RiskClass::kDialysis));
  EXPECT_TRUE(has("2190029F3029", RiskClass::kDialysis));
  EXPECT_TRUE(has("3969023F1023", RiskClass::kAntidiabetic));
  EXPECT_TRUE(classes("2171022F2025").empty());  // amlodipine is not high-risk
  EXPECT_TRUE(classes("1149019F1560").empty());
}

TEST(GenOptionsTest, RejectsBadOptionsWithInvalidArgument) {
  RegionOptions o;
  o.persons = 10;
  o.as_of = kAsOf;
  EXPECT_TRUE(ValidateRegionOptions(o));
  auto bad = [&](auto mutate) {
    RegionOptions x = o;
    mutate(x);
    auto s = ValidateRegionOptions(x);
    return !s && s.error().code == FieldkitErrc::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](RegionOptions& x) { x.persons = 0; }));
  EXPECT_TRUE(bad([](RegionOptions& x) { x.region = "13"; }));
  EXPECT_TRUE(bad([](RegionOptions& x) { x.as_of = 20200101; }));
  EXPECT_TRUE(bad([](RegionOptions& x) { x.as_of = 20261301; }));
}

}  // namespace
}  // namespace akari::fieldkit::gen
