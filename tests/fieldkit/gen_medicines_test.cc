// Medicines of the synthetic region: the curated table's codes and groups,
// and that inhalers, antiretrovirals, insulins and antibiotics reach the
// patients a pharmacist would expect them for, at plausible rates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/generator.h"
#include "fieldkit/gen/internal.h"
#include "fieldkit/gen/regimens.h"
#include "fieldkit/gen/tables.h"
#include "sync/risk_class.h"
#include "tests/fieldkit/gen_test_support.h"

namespace akari::fieldkit::gen {
namespace {

using internal::Cond;
using internal::PersonCore;
using sync::Route;

using test_support::kAsOf;
constexpr std::uint64_t kKey = 0x5eed5eed12345678ULL;

GenContext Context() {
  GenContext ctx;
  ctx.key = kKey;
  ctx.as_of = kAsOf;
  ctx.persons = 1;
  return ctx;
}

PersonCore Core(std::int64_t id, Date birth, sync::Sex sex) {
  PersonCore core;
  core.id = id;
  core.birth = birth;
  core.sex = sex;
  core.municipality = static_cast<int>(id % 19);
  return core;
}

// The clinical part of a person's record, generated from the core alone.
sync::PersonRecord Clinical(const PersonCore& core) {
  sync::PersonRecord r;
  internal::AddClinical(Context(), core, r);
  return r;
}

// The onset of `cond` for this person, or 0.
Date Onset(const PersonCore& core, Cond cond) {
  for (const internal::DrawnCondition& c : internal::DrawnConditions(Context(), core)) {
    if (c.cond == cond) return c.onset;
  }
  return 0;
}

// Conditions that started early enough to show in the dispensing window.
bool Established(Date onset) {
  return onset != 0 && onset <= AddDays(kAsOf, -400);
}

bool HasPrefix(std::string_view yj, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return yj.starts_with(p); });
}

bool IsInhaler(const sync::Dispensing& d) {
  return d.route == Route::kExternal && DrugByYj(d.yj_code).form == DrugForm::kInhaler;
}

// A controller or reliever for asthma or COPD (not an influenza inhaler).
bool IsRespiratoryInhaler(const sync::Dispensing& d) {
  return IsInhaler(d) && HasPrefix(d.yj_code, {"2290", "2254", "2259"});
}

bool IsAntibiotic(std::string_view yj) {
  return HasPrefix(yj, {"611", "613", "614", "615", "6241"});
}

const std::set<std::string_view> kRapidActingInsulins = {"2492415G6025", "2492415G1031", "2492415G7021",
                                                         "2492414G5024", "2492414P1029", "2492418G1027"};

std::set<std::string_view> TableCodes() {
  std::set<std::string_view> codes;
  for (const Drug& d : DrugTable()) codes.insert(d.yj);
  return codes;
}

TEST(DrugTableTest, EveryEntryHasATwelveCharacterCodeWithItsGroupsClassPrefix) {
  std::size_t total = 0;
  for (const DrugGroup& g : DrugGroups()) {
    EXPECT_FALSE(g.drugs.empty()) << g.title;
    EXPECT_FALSE(g.class_prefixes[0].empty()) << g.title;
    for (const Drug& d : g.drugs) {
      ++total;
      EXPECT_EQ(d.yj.size(), 12u) << d.name;
      const bool in_class = std::any_of(g.class_prefixes.begin(), g.class_prefixes.end(),
                                        [&](std::string_view p) { return !p.empty() && d.yj.starts_with(p); });
      EXPECT_TRUE(in_class) << g.title << ": " << d.yj << " " << d.name;
      EXPECT_GE(d.dose_per_unit, 0) << d.yj;
      EXPECT_GE(d.pack, 0) << d.yj;
      if (d.form == DrugForm::kInjection || d.form == DrugForm::kInhaler) {
        EXPECT_TRUE(d.dose_per_unit == 0 || d.pack == 1) << d.yj << ": pens and inhalers are dispensed whole";
      }
    }
  }
  EXPECT_EQ(total, DrugTable().size());
  EXPECT_GE(total, 400u);
}

TEST(DrugTableTest, InsulinsAreWholePensWithUnitsPerPen) {
  int insulins = 0;
  for (const Drug& d : DrugTable()) {
    if (!d.yj.starts_with("2492")) continue;
    ++insulins;
    EXPECT_EQ(d.form, DrugForm::kInjection) << d.yj;
    EXPECT_EQ(d.unit, "キット") << d.yj;
    EXPECT_TRUE(d.dose_per_unit == 300 || d.dose_per_unit == 450) << d.yj;
    EXPECT_NE(d.strength.find("単位"), std::string_view::npos) << d.yj;
  }
  EXPECT_GE(insulins, 15);
}

TEST(DrugTableTest, RiskClassesOfTheNewGroupsAreAsIntended) {
  auto classes = [](const Drug& d) { return sync::ClassifyMedicine(d.yj, d.ingredient); };
  auto has = [&](const Drug& d, sync::RiskClass c) {
    const auto v = classes(d);
    return std::find(v.begin(), v.end(), c) != v.end();
  };
  int art = 0;
  for (const DrugGroup& g : DrugGroups()) {
    for (const Drug& d : g.drugs) {
      if (g.title == "Antiretrovirals") {
        EXPECT_TRUE(has(d, sync::RiskClass::kAntiretroviral)) << d.yj << " " << d.name;
        ++art;
      } else if (d.yj.starts_with("625")) {
        EXPECT_FALSE(has(d, sync::RiskClass::kAntiretroviral)) << d.yj << " " << d.name;
      }
      if (d.yj.starts_with("2492")) {
        EXPECT_TRUE(has(d, sync::RiskClass::kInsulin)) << d.yj;
      }
      if (d.yj.starts_with("2499")) {
        EXPECT_TRUE(has(d, sync::RiskClass::kAntidiabetic)) << d.yj;
      }
      if (d.form == DrugForm::kInhaler || IsAntibiotic(d.yj)) {
        EXPECT_TRUE(classes(d).empty()) << d.yj;
      }
    }
  }
  EXPECT_GE(art, 15);
}

// Every regimen and episode line names a table entry, by a route that fits
// its form (no oral inhalers, no injected tablets).
TEST(RegimensTest, EveryLineNamesATableEntryByARouteThatFitsItsForm) {
  const std::set<std::string_view> codes = TableCodes();
  auto check = [&](const internal::Line& line, const char* where) {
    if (line.yj.empty()) return;
    ASSERT_TRUE(codes.count(line.yj)) << where << ": " << line.yj << " is not in the table";
    const Drug& d = DrugByYj(line.yj);
    switch (d.form) {
      case DrugForm::kInjection:
        EXPECT_EQ(line.route, Route::kInjection) << line.yj;
        break;
      case DrugForm::kInhaler:
      case DrugForm::kEyeDrops:
      case DrugForm::kNasalSpray:
      case DrugForm::kPatch:
      case DrugForm::kOintment:
        EXPECT_EQ(line.route, Route::kExternal) << line.yj;
        break;
      default:
        EXPECT_EQ(line.route, Route::kOral) << line.yj;
    }
    if (d.yj.starts_with("2492")) {
      EXPECT_NE(line.usage.find("単位"), std::string_view::npos) << line.usage;
    }
  };
  int regimens = 0;
  for (const internal::ConditionSpec& spec : internal::Conditions()) {
    for (int age : {3, 10, 40}) {
      for (const internal::Regimen& rx : internal::RegimensFor(spec, age)) {
        ++regimens;
        for (const internal::Line& line : rx) check(line, "regimen");
      }
    }
  }
  for (const auto& ep : internal::ChildEpisodes()) {
    for (const internal::Line& line : ep.lines) check(line, "child episode");
  }
  for (const auto& ep : internal::AdultEpisodes()) {
    for (const internal::Line& line : ep.lines) check(line, "adult episode");
  }
  EXPECT_GT(regimens, 300);
}

TEST(ClinicalTest, AsthmaAndCopdPatientsGetInhalersAndSomeARelieverAsNeeded) {
  int asthma = 0, asthma_inhaler = 0, asthma_reliever = 0, copd = 0, copd_inhaler = 0;
  int controller_lines = 0, reliever_lines = 0;
  for (std::int64_t id = 1; id <= 6000; ++id) {
    const Date birth = MakeDate(1940 + static_cast<int>(id % 72), 1 + static_cast<int>(id % 12), 10);
    const PersonCore core = Core(id, birth, id % 2 ? sync::Sex::kMale : sync::Sex::kFemale);
    const bool adult_asthma = Established(Onset(core, internal::kAsthma)) && sync::AgeOn(birth, kPopulationDate) >= 15;
    const bool has_copd = Established(Onset(core, internal::kCopd));
    if (!adult_asthma && !has_copd) continue;
    const sync::PersonRecord r = Clinical(core);
    const bool inhaler = std::any_of(r.dispensings.begin(), r.dispensings.end(), IsRespiratoryInhaler);
    bool reliever = false;
    for (const sync::Dispensing& d : r.dispensings) {
      if (!IsRespiratoryInhaler(d)) continue;
      const bool as_needed = d.usage.starts_with("発作時");
      reliever |= as_needed;
      (as_needed ? reliever_lines : controller_lines)++;
      EXPECT_GE(d.quantity, 1) << d.drug_name;
      EXPECT_EQ(d.quantity, std::floor(d.quantity)) << d.drug_name << ": inhalers are dispensed whole";
      EXPECT_EQ(d.days_or_times, 1) << d.drug_name;
    }
    if (adult_asthma) {
      ++asthma;
      asthma_inhaler += inhaler;
      asthma_reliever += reliever;
    }
    if (has_copd) {
      ++copd;
      copd_inhaler += inhaler;
    }
  }
  ASSERT_GT(asthma, 50);
  ASSERT_GT(copd, 5);
  EXPECT_GE(static_cast<double>(asthma_inhaler) / asthma, 0.85) << asthma_inhaler << "/" << asthma;
  EXPECT_GE(static_cast<double>(asthma_reliever) / asthma, 0.3) << asthma_reliever << "/" << asthma;
  EXPECT_EQ(copd_inhaler, copd);
  EXPECT_LT(reliever_lines, controller_lines);  // relievers are refilled less often than controllers
}

TEST(ClinicalTest, HivPatientsGetArtThatIsFlaggedAntiretroviral) {
  int hiv = 0;
  for (std::int64_t id = 1; id <= 40000; ++id) {
    const PersonCore core = Core(id, 19850615, sync::Sex::kMale);
    const Date onset = Onset(core, internal::kHiv);
    if (onset == 0 || onset > AddDays(kAsOf, -60)) continue;
    ++hiv;
    const sync::PersonRecord r = Clinical(core);
    EXPECT_TRUE(std::any_of(r.specific_diseases.begin(), r.specific_diseases.end(), [](const auto& c) {
      return c.disease == sync::SpecificDisease::kHiv;
    })) << id;
    const auto active = sync::ActiveRiskClasses(r, kAsOf);
    EXPECT_TRUE(std::find(active.begin(), active.end(), sync::RiskClass::kAntiretroviral) != active.end()) << id;
    for (const sync::Dispensing& d : r.dispensings) {
      const auto classes = sync::ClassifyMedicine(d.yj_code, d.ingredient);
      if (std::find(classes.begin(), classes.end(), sync::RiskClass::kAntiretroviral) == classes.end()) continue;
      EXPECT_EQ(d.route, Route::kOral) << d.drug_name;
      EXPECT_EQ(d.days_or_times, 28) << d.drug_name;
    }
  }
  EXPECT_GE(hiv, 6);
}

TEST(ClinicalTest, InsulinPatientsGetWholePensSomeBasalBolusSomeBasalOnly) {
  int patients = 0, rapid = 0, basal_only = 0;
  for (std::int64_t id = 1; id <= 8000; ++id) {
    const Date birth = MakeDate(1940 + static_cast<int>(id % 55), 3, 3);
    const PersonCore core = Core(id, birth, id % 3 ? sync::Sex::kMale : sync::Sex::kFemale);
    if (!Established(Onset(core, internal::kInsulin))) continue;
    ++patients;
    const sync::PersonRecord r = Clinical(core);
    std::set<std::string> insulins;
    for (const sync::Dispensing& d : r.dispensings) {
      if (!d.yj_code.starts_with("2492")) continue;
      insulins.insert(d.yj_code);
      EXPECT_EQ(d.route, Route::kInjection);
      EXPECT_EQ(d.unit, "キット");
      EXPECT_GE(d.quantity, 1);
      EXPECT_EQ(d.quantity, std::floor(d.quantity)) << d.drug_name;
      EXPECT_NE(d.usage.find("単位"), std::string::npos) << d.usage;
    }
    EXPECT_FALSE(insulins.empty()) << id;
    const bool any_rapid = std::any_of(insulins.begin(), insulins.end(),
                                       [](const std::string& yj) { return kRapidActingInsulins.count(yj) > 0; });
    rapid += any_rapid;
    basal_only += insulins.size() == 1 && !any_rapid;
  }
  ASSERT_GT(patients, 40);
  EXPECT_GE(static_cast<double>(rapid) / patients, 0.2) << rapid << "/" << patients;
  EXPECT_LE(static_cast<double>(rapid) / patients, 0.7) << rapid << "/" << patients;
  EXPECT_GE(static_cast<double>(basal_only) / patients, 0.15) << basal_only << "/" << patients;
}

class RegionMedicinesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RegionOptions o;
    o.persons = 2000;
    o.seed = 11;
    o.as_of = kAsOf;
    records_ = new std::vector<sync::PersonRecord>();
    ForEachPerson(o, [](sync::PersonRecord&& r) { records_->push_back(std::move(r)); });
  }
  static void TearDownTestSuite() { delete records_; }
  static const std::vector<sync::PersonRecord>& Records() { return *records_; }
  static std::vector<sync::PersonRecord>* records_;
};
std::vector<sync::PersonRecord>* RegionMedicinesTest::records_ = nullptr;

// Japan's oral antibiotic use (about 10 DDD per 1,000 inhabitants a day,
// AMR 対策アクションプラン) is roughly 0.5 courses a person a year.
TEST_F(RegionMedicinesTest, AcuteEpisodesIncludeShortAntibioticCourses) {
  int with_antibiotics = 0, courses = 0;
  for (const sync::PersonRecord& r : Records()) {
    std::set<Date> course_dates;
    for (const sync::Dispensing& d : r.dispensings) {
      if (!IsAntibiotic(d.yj_code)) continue;
      course_dates.insert(d.date);
      EXPECT_EQ(d.route, Route::kOral) << d.drug_name;
      EXPECT_GE(d.days_or_times, 3) << d.drug_name;
      EXPECT_LE(d.days_or_times, 7) << d.drug_name;
      if (d.yj_code.starts_with("6241")) {
        EXPECT_GE(sync::AgeOn(r.person.birth_date, d.date), 15) << d.drug_name << ": no quinolones for children";
      }
    }
    with_antibiotics += !course_dates.empty();
    courses += static_cast<int>(course_dates.size());
  }
  const double n = static_cast<double>(Records().size());
  EXPECT_GE(with_antibiotics / n, 0.3) << "persons with an antibiotic course in 3 years";
  EXPECT_LE(with_antibiotics / n, 0.85);
  EXPECT_GE(courses / n / 3, 0.15) << "courses a person a year";
  EXPECT_LE(courses / n / 3, 0.8);
}

TEST_F(RegionMedicinesTest, InfluenzaAntiviralsAreDispensedInSeasonOnly) {
  int flu = 0;
  for (const sync::PersonRecord& r : Records()) {
    for (const sync::Dispensing& d : r.dispensings) {
      if (!HasPrefix(d.yj_code, {"6250021", "6250047", "6250702", "6250703"})) continue;
      ++flu;
      const int month = Month(d.date);
      EXPECT_TRUE(month == 12 || month <= 3) << d.drug_name << " on " << d.date;
    }
  }
  EXPECT_GT(flu, 30);
}

TEST_F(RegionMedicinesTest, ChronicTopicalsAndInhalersAppearAtPlausibleRates) {
  int inhaler_users = 0, eye_drop_users = 0, patch_users = 0, ppi_users = 0;
  for (const sync::PersonRecord& r : Records()) {
    bool inhaler = false, eye = false, patch = false, ppi = false;
    for (const sync::Dispensing& d : r.dispensings) {
      const Drug& drug = DrugByYj(d.yj_code);
      inhaler |= IsRespiratoryInhaler(d);
      eye |= drug.form == DrugForm::kEyeDrops;
      if (drug.form == DrugForm::kPatch && d.yj_code.starts_with("2649")) {
        patch = true;
        EXPECT_LE(d.quantity, 63) << "NSAID patches are limited to 63 a prescription";
      }
      ppi |= HasPrefix(d.yj_code, {"2329022", "2329023", "2329028", "2329029", "2329030"});
    }
    inhaler_users += inhaler;
    eye_drop_users += eye;
    patch_users += patch;
    ppi_users += ppi;
  }
  const double n = static_cast<double>(Records().size());
  EXPECT_GE(inhaler_users / n, 0.01);
  EXPECT_LE(inhaler_users / n, 0.10);
  EXPECT_GE(eye_drop_users / n, 0.02);
  EXPECT_GE(patch_users / n, 0.03);
  EXPECT_GE(ppi_users / n, 0.02);
}

}  // namespace
}  // namespace akari::fieldkit::gen
