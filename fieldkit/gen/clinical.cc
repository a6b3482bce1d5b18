// Medication and checkup histories: chronic conditions with onset dates on
// each person's timeline, regular visits every 4–8 weeks, acute episodes,
// and yearly 特定健診 for ages 40–74. Prevalences roughly follow Japan's
// (国民健康・栄養調査, 患者調査); doses are the products' usual ones.
#include <algorithm>
#include <array>
#include <cstdio>

#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/internal.h"
#include "fieldkit/gen/random.h"
#include "fieldkit/gen/tables.h"
#include "sync/insurer_number.h"

namespace akari::fieldkit::gen::internal {
namespace {

using sync::Dispensing;
using sync::Route;

// One line of a regimen: a drug, how many units a day and how it is taken.
struct Line {
  std::string_view yj;
  double daily;  // 0 = the drug's usual daily amount
  std::string_view usage;
  Route route = Route::kOral;
};
using Regimen = std::array<Line, 3>;  // unused lines have an empty yj

enum class Clinic : std::uint8_t { kInternal, kPsych, kNeuro, kRheum, kHospital, kAllergy };

enum Cond : std::uint8_t {
  kHypertension,
  kDyslipidemia,
  kDiabetes,
  kInsulin,
  kAnticoagulation,
  kAntiplatelet,
  kHeartFailure,
  kEpilepsy,
  kDepression,
  kInsomnia,
  kSchizophrenia,
  kBipolar,
  kHypothyroid,
  kHyperthyroid,
  kParkinson,
  kRheumatoid,
  kGout,
  kOsteoporosis,
  kConstipation,
  kAllergic,
  kDialysis,
  kTransplant,
  kHiv,
  kCondCount
};

constexpr std::string_view kMorning = "1日1回朝食後";
constexpr std::string_view kTwice = "1日2回朝夕食後";
constexpr std::string_view kThrice = "1日3回毎食後";
constexpr std::string_view kBedtime = "1日1回就寝前";
constexpr std::string_view kWeekly = "週1回起床時";

#define L(yj, n, usage) \
  Line {                \
    yj, n, usage        \
  }
const std::array<Regimen, 13> kHypertensionRx = {{
    {L("2171022F2025", 1, kMorning)},
    {L("2171022F2041", 1, kMorning)},
    {L("2171014G4029", 1, kMorning)},
    {L("2149044F6026", 1, kMorning)},
    {L("2149042F2021", 1, kMorning)},
    {L("2149048F1022", 1, kMorning)},
    {L("2149040F3029", 1, kMorning)},
    {L("2171022F2025", 1, kMorning), L("2149044F6026", 1, kMorning)},
    {L("2149117F1025", 1, kMorning)},
    {L("2149121F1021", 1, kMorning)},
    {L("2171021F2020", 1, kMorning), L("2149039F2038", 1, kMorning)},
    {L("2149114F1021", 1, kMorning)},
    {L("2149032F1021", 1, kMorning), L("2171022F2041", 1, kMorning)},
}};
const std::array<Regimen, 7> kDyslipidemiaRx = {{
    {L("2189015F2020", 1, kMorning)},
    {L("2189016F2024", 1, kMorning)},
    {L("2189010F2027", 1, "1日1回夕食後")},
    {L("2189011F1025", 1, "1日1回夕食後")},
    {L("2183007F1025", 2, kTwice)},
    {L("2183006F4020", 1, kMorning)},
    {L("2189015F1023", 1, kMorning), L("3399004M2022", 3, kThrice)},
}};
const std::array<Regimen, 12> kDiabetesRx = {{
    {L("3962002F3023", 2, kTwice)},
    {L("3969010F2030", 1, kMorning)},
    {L("3969011F1020", 2, kTwice)},
    {L("3969014F1024", 1, kMorning)},
    {L("3969023F1023", 1, kMorning)},
    {L("3969019F1027", 1, kMorning)},
    {L("3961008F1020", 1, kMorning), L("3962002F2027", 3, kThrice)},
    {L("3969015F1029", 1, kMorning), L("3962002F3023", 2, kTwice)},
    {L("3969012F3028", 1, kMorning)},
    {L("3969018F2029", 1, kMorning)},
    {L("3969010F1026", 1, kMorning), L("3969004F2027", 3, "1日3回毎食直前")},
    {L("3969104F1029", 2, kTwice)},
}};
const std::array<Regimen, 2> kInsulinRx = {{
    {Line{"2492416G2024", 12, "1日1回就寝前 12単位 皮下注射", Route::kInjection}},
    {Line{"2492416G2024", 16, "1日1回朝 16単位 皮下注射", Route::kInjection}},
}};
const std::array<Regimen, 7> kAnticoagulationRx = {{
    {L("3339004F2025", 2, kTwice)},
    {L("3339004F1029", 2, kTwice)},
    {L("3339002F3022", 1, kMorning)},
    {L("3339002F2026", 1, kMorning)},
    {L("3339003F2020", 1, kMorning)},
    {L("3339001M2020", 2, kTwice)},
    {L("3332001F1016", 3, kMorning)},
}};
const std::array<Regimen, 5> kAntiplateletRx = {{
    {L("3399007H1013", 1, kMorning), L("3399008F2021", 1, kMorning)},
    {L("3399007H1013", 1, kMorning), L("2171023F2020", 2, kTwice)},
    {L("3399008F2021", 1, kMorning)},
    {L("3399102F1026", 1, kMorning)},
    {L("3399002F4027", 2, kTwice)},
}};
const std::array<Regimen, 2> kHeartFailureRx = {{
    {L("2149032F4020", 2, kTwice), L("2190041F2023", 2, kTwice)},
    {L("2149045F2025", 1, kMorning), L("2149032F4020", 2, kTwice)},
}};
const std::array<Regimen, 10> kEpilepsyRx = {{
    {L("1139010F2020", 2, kTwice)},
    {L("1139010F1024", 4, kTwice)},
    {L("1139004G2063", 3, kTwice)},
    {L("1139002F1062", 2, kTwice)},
    {L("1139009F4020", 2, kTwice)},
    {L("1139005F1023", 2, kTwice)},
    {L("1139015F2023", 2, kTwice)},
    {L("1139010F2020", 2, kTwice), L("1139009F3024", 2, kTwice)},
    {L("1132002F2041", 3, kThrice), L("1125004F1023", 2, kTwice)},
    {L("1139003F1040", 2, kTwice), L("1139004G2063", 3, kTwice)},
}};
const std::array<Regimen, 8> kDepressionRx = {{
    {L("1179046F2024", 1, kMorning)},
    {L("1179041G2027", 1, "1日1回夕食後")},
    {L("1179039F2024", 2, kTwice)},
    {L("1179040F1136", 2, kTwice), L("1179025F1026", 3, kThrice)},
    {L("1179037F2025", 1, kBedtime), L("1124023F1037", 3, kThrice)},
    {L("1179033F1020", 2, kTwice)},
    {L("1179046F1028", 1, kMorning), L("1124029F1026", 1, kBedtime)},
    {L("1179016F1124", 2, kTwice), L("1124022F1067", 2, kTwice)},
}};
const std::array<Regimen, 9> kInsomniaRx = {{
    {L("1129009F1025", 1, kBedtime)},
    {L("1129009F2021", 1, kBedtime)},
    {L("1124009F1223", 1, kBedtime)},
    {L("1129010F2024", 1, kBedtime)},
    {L("1129010F1028", 1, kBedtime)},
    {L("1124007F2026", 1, kBedtime)},
    {L("1129007F1026", 1, kBedtime)},
    {L("1124008F1024", 1, kBedtime)},
    {L("1124030F1029", 1, kBedtime)},
}};
const std::array<Regimen, 6> kSchizophreniaRx = {{
    {L("1179038F2020", 2, kTwice), L("1124009F1223", 1, kBedtime)},
    {L("1179044F2025", 2, kBedtime)},
    {L("1179045F2020", 2, kTwice)},
    {L("1179042F2026", 2, kTwice)},
    {L("1179043F2039", 2, kTwice)},
    {L("1179020F2038", 2, kTwice), L("1179038S1021", 1, "不穏時")},
}};
const std::array<Regimen, 3> kBipolarRx = {{
    {L("1179017F2052", 3, kThrice)},
    {L("1139004G2063", 3, kTwice), L("1179045F1023", 1, kMorning)},
    {L("1139009F4020", 2, kTwice)},
}};
const std::array<Regimen, 2> kHypothyroidRx = {{
    {L("2431004F1056", 1, kMorning)},
    {L("2431004F2052", 2, kMorning)},
}};
const std::array<Regimen, 2> kHyperthyroidRx = {{
    {L("2432001F2021", 2, kMorning)},
    {L("2432001F1017", 3, kThrice)},
}};
const std::array<Regimen, 5> kParkinsonRx = {{
    {L("1169101F1146", 3, kThrice)},
    {L("1169101F1120", 3, kThrice), L("1169017F2021", 1, kMorning)},
    {L("1169100F1087", 3, kThrice)},
    {L("1169102F2023", 3, kThrice), L("1169015F3029", 1, kMorning)},
    {L("1169101F1146", 3, kThrice), L("2399005F2023", 3, "1日3回毎食前")},
}};
const std::array<Regimen, 4> kRheumatoidRx = {{
    {L("3999016M1021", 4, "週1回 朝・夕・翌朝（12時間毎）"), L("2456001F1019", 1, kMorning)},
    {L("3999016M1021", 4, "週1回 朝・夕・翌朝（12時間毎）")},
    {L("4420002F1117", 2, kTwice), L("2456001F2015", 3, kMorning)},
    {L("2456001F1019", 1, kMorning), L("1149037F1020", 2, kTwice)},
}};
const std::array<Regimen, 4> kGoutRx = {{
    {L("3949003F2020", 1, kMorning)},
    {L("3949003F1023", 1, kMorning)},
    {L("3943001F1314", 2, kTwice)},
    {L("3949002F2114", 1, kMorning)},
}};
const std::array<Regimen, 4> kOsteoporosisRx = {{
    {L("3999018F2036", 1, kWeekly), L("3112001F2051", 1, kMorning)},
    {L("3999019F2030", 1, kWeekly)},
    {L("3112006M2029", 1, kMorning)},
    {L("3112001F2051", 1, kMorning)},
}};
const std::array<Regimen, 5> kConstipationRx = {{
    {L("2344009F2015", 3, kThrice)},
    {L("2344009C1055", 1.2, kThrice)},
    {L("2354003F2316", 2, kBedtime)},
    {L("2359006M1025", 2, kTwice)},
    {L("2359008F1025", 2, "1日1回朝食前")},
}};
const std::array<Regimen, 4> kAllergicRx = {{
    {L("4490003M1263", 2, kTwice)},
    {L("4490004F2028", 2, kTwice)},
    {L("4413004F1200", 2, kTwice)},
    {L("4490002M1315", 3, kThrice)},
}};
const std::array<Regimen, 5> kDialysisRx = {{
    {L("2190025F1036", 9, kThrice), L("3112004M1023", 2, kTwice)},
    {L("2190029F3029", 3, "1日3回毎食直後"), L("2190016R2021", 5.4, kThrice)},
    {L("2190033F1022", 6, "1日3回毎食直後"), L("3112001F2051", 1, kMorning)},
    {L("2190036F1026", 3, "1日3回毎食直前")},
    {L("2190024F1023", 3, "1日3回毎食直後"), L("2190025F1028", 6, kThrice)},
}};
const std::array<Regimen, 2> kTransplantRx = {{
    {L("3999014M1022", 4, kTwice), L("3999017M1026", 6, kTwice), L("2456001F1019", 1, kMorning)},
    {L("3999004M5024", 2, kTwice), L("3999002F2027", 3, kThrice), L("2456001F1019", 1, kMorning)},
}};
#undef L

struct ConditionSpec {
  std::span<const Regimen> regimens;
  Clinic clinic;
  int min_age;
  // Prevalence at ages <40, 40s, 50s, 60s, 70s, 80+ (men, women).
  std::array<double, 6> male;
  std::array<double, 6> female;
};

const std::array<ConditionSpec, kCondCount>& Conditions() {
  static const std::array<ConditionSpec, kCondCount> kSpecs = {{
      {kHypertensionRx,
       Clinic::kInternal,
       30,
       {0.01, 0.12, 0.26, 0.42, 0.55, 0.60},
       {0.005, 0.07, 0.18, 0.35, 0.52, 0.60}},
      {kDyslipidemiaRx,
       Clinic::kInternal,
       30,
       {0.01, 0.07, 0.14, 0.20, 0.22, 0.18},
       {0.005, 0.04, 0.15, 0.28, 0.30, 0.22}},
      {kDiabetesRx,
       Clinic::kInternal,
       25,
       {0.004, 0.04, 0.10, 0.16, 0.19, 0.17},
       {0.002, 0.02, 0.05, 0.09, 0.12, 0.12}},
      {kInsulinRx,
       Clinic::kInternal,
       10,
       {0.002, 0.006, 0.012, 0.02, 0.025, 0.02},
       {0.002, 0.004, 0.008, 0.012, 0.015, 0.015}},
      {kAnticoagulationRx,
       Clinic::kInternal,
       45,
       {0, 0.003, 0.008, 0.02, 0.045, 0.07},
       {0, 0.001, 0.003, 0.01, 0.03, 0.06}},
      {kAntiplateletRx,
       Clinic::kInternal,
       45,
       {0, 0.005, 0.015, 0.035, 0.05, 0.05},
       {0, 0.002, 0.006, 0.015, 0.03, 0.04}},
      {kHeartFailureRx, Clinic::kInternal, 50, {0, 0, 0.003, 0.008, 0.02, 0.04}, {0, 0, 0.001, 0.004, 0.012, 0.035}},
      {kEpilepsyRx,
       Clinic::kNeuro,
       1,
       {0.007, 0.007, 0.007, 0.008, 0.009, 0.01},
       {0.006, 0.006, 0.006, 0.007, 0.008, 0.009}},
      {kDepressionRx, Clinic::kPsych, 15, {0.02, 0.03, 0.03, 0.025, 0.02, 0.02}, {0.03, 0.04, 0.04, 0.035, 0.03, 0.03}},
      {kInsomniaRx, Clinic::kInternal, 20, {0.01, 0.03, 0.05, 0.07, 0.10, 0.12}, {0.015, 0.04, 0.06, 0.09, 0.12, 0.14}},
      {kSchizophreniaRx,
       Clinic::kPsych,
       16,
       {0.005, 0.007, 0.007, 0.006, 0.005, 0.003},
       {0.005, 0.007, 0.007, 0.006, 0.005, 0.003}},
      {kBipolarRx,
       Clinic::kPsych,
       18,
       {0.002, 0.003, 0.003, 0.002, 0.002, 0.001},
       {0.003, 0.003, 0.003, 0.002, 0.002, 0.001}},
      {kHypothyroidRx,
       Clinic::kInternal,
       20,
       {0.001, 0.004, 0.006, 0.008, 0.01, 0.01},
       {0.005, 0.02, 0.03, 0.04, 0.045, 0.04}},
      {kHyperthyroidRx,
       Clinic::kInternal,
       15,
       {0.001, 0.001, 0.001, 0.001, 0.001, 0},
       {0.004, 0.004, 0.003, 0.002, 0.001, 0.001}},
      {kParkinsonRx,
       Clinic::kNeuro,
       45,
       {0, 0.0003, 0.001, 0.004, 0.01, 0.015},
       {0, 0.0003, 0.001, 0.004, 0.01, 0.015}},
      {kRheumatoidRx,
       Clinic::kRheum,
       20,
       {0.001, 0.002, 0.004, 0.005, 0.005, 0.004},
       {0.003, 0.008, 0.012, 0.015, 0.015, 0.01}},
      {kGoutRx, Clinic::kInternal, 25, {0.01, 0.06, 0.08, 0.09, 0.09, 0.07}, {0, 0.003, 0.005, 0.008, 0.01, 0.01}},
      {kOsteoporosisRx, Clinic::kInternal, 55, {0, 0, 0.002, 0.01, 0.03, 0.05}, {0, 0, 0.02, 0.08, 0.16, 0.22}},
      {kConstipationRx,
       Clinic::kInternal,
       20,
       {0.003, 0.005, 0.01, 0.03, 0.07, 0.15},
       {0.01, 0.015, 0.02, 0.05, 0.09, 0.18}},
      {kAllergicRx,
       Clinic::kAllergy,
       2,
       {0.03, 0.02, 0.015, 0.01, 0.008, 0.005},
       {0.03, 0.025, 0.02, 0.012, 0.008, 0.005}},
      {kDialysisRx,
       Clinic::kHospital,
       30,
       {0.0003, 0.002, 0.004, 0.007, 0.009, 0.006},
       {0.0001, 0.0008, 0.0015, 0.003, 0.004, 0.003}},
      {kTransplantRx,
       Clinic::kHospital,
       5,
       {0.0002, 0.0004, 0.0005, 0.0004, 0.0002, 0},
       {0.0001, 0.0003, 0.0003, 0.0003, 0.0001, 0}},
      {{},
       Clinic::kHospital,
       18,
       {0.0002, 0.0004, 0.0003, 0.0002, 0.0001, 0},
       {0.00003, 0.00004, 0.00003, 0.00002, 0, 0}},
  }};
  return kSpecs;
}

struct Condition {
  Cond cond;
  Date onset;
  const Regimen* first;
  const Regimen* second;  // after `change`, or nullptr
  Date change;
};

std::size_t AgeBand(int age) {
  if (age < 40) return 0;
  return static_cast<std::size_t>(std::min(age, 89) / 10 - 3);
}

std::vector<Condition> DrawConditions(const GenContext& ctx, const PersonCore& p) {
  std::vector<Condition> out;
  const int age = sync::AgeOn(p.birth, kPopulationDate);
  const auto& specs = Conditions();
  for (std::size_t c = 0; c < specs.size(); ++c) {
    const ConditionSpec& s = specs[c];
    Rng rng(ctx.key, Stream::kCondition, static_cast<std::uint64_t>(p.id), c);
    const double prevalence = (p.sex == sync::Sex::kMale ? s.male : s.female)[AgeBand(age)];
    if (age < s.min_age || !rng.Chance(prevalence)) continue;
    Condition cond{static_cast<Cond>(c), 0, nullptr, nullptr, 0};
    const Date earliest = std::max(BirthdayAt(p.birth, s.min_age), 19900101);
    const std::int64_t span = std::max<std::int64_t>(1, DaysBetween(earliest, kPopulationDate));
    // Most have had it for years; some start only after the anchor date.
    cond.onset = rng.Chance(0.85)
                     ? AddDays(earliest, static_cast<std::int64_t>(rng.Uniform() * static_cast<double>(span)))
                     : AddDays(kPopulationDate, rng.Range(1, 3 * 365));
    if (!s.regimens.empty()) {
      cond.first = &s.regimens[static_cast<std::size_t>(rng.Range(0, static_cast<int>(s.regimens.size()) - 1))];
      if (rng.Chance(0.35)) {
        cond.second = &s.regimens[static_cast<std::size_t>(rng.Range(0, static_cast<int>(s.regimens.size()) - 1))];
        cond.change = AddDays(cond.onset, rng.Range(200, 8 * 365));
      }
    }
    out.push_back(cond);
  }
  return out;
}

// A facility: 10-digit 医療機関等コード (都道府県 2 + 点数表 1 + 郡市区 2 +
// serial 4 + check 1) and a synthetic name.
struct Facility {
  std::string code;
  std::string name;
};

Facility MakeFacility(const GenContext& ctx, int municipality, Clinic kind, int index, bool pharmacy) {
  Rng rng(ctx.key, Stream::kFacility, static_cast<std::uint64_t>(municipality) * 16 + static_cast<std::uint64_t>(kind),
          static_cast<std::uint64_t>(index), pharmacy ? 1 : 0);
  const Municipality& m = IshikawaMunicipalities()[static_cast<std::size_t>(municipality)];
  std::string body = std::string("17") + (pharmacy ? "4" : "1") +
                     Padded(static_cast<std::uint64_t>(municipality + 1), 2) +
                     Padded(static_cast<std::uint64_t>(1000 + static_cast<int>(kind) * 1000 + index * 37 % 997), 4);
  Facility f;
  f.code = body + static_cast<char>('0' + sync::InsurerCheckDigit(body));
  const std::string_view town = rng.Pick(m.towns);
  if (pharmacy) {
    static constexpr std::array<std::string_view, 6> kChains = {"あおば薬局",   "ひまわり薬局", "つばき調剤薬局",
                                                                "はくさん薬局", "みなと薬局",   "かがやき薬局"};
    f.name = std::string(rng.Pick(std::span<const std::string_view>(kChains))) + " " + std::string(town) + "店";
    return f;
  }
  static constexpr std::array<std::string_view, 6> kKinds = {
      "内科クリニック", "メンタルクリニック", "脳神経内科", "リウマチ科クリニック", "総合病院", "耳鼻科アレルギー科"};
  if (kind == Clinic::kHospital) {
    f.name = std::string(m.short_name) + (index % 2 == 0 ? "中央総合病院" : "市民病院");
  } else {
    f.name = std::string(town) + std::string(kKinds[static_cast<std::size_t>(kind)]);
  }
  return f;
}

double EPrescriptionShare(Date d) {
  if (d < 20230126) return 0;  // 電子処方箋 started on 2023-01-26
  return std::min(0.45, 0.04 + 0.09 * static_cast<double>(DaysBetween(20230126, d)) / 365.0);
}

void AddLine(const Line& line, Date date, int days, const Facility& clinic, const Facility& pharmacy,
             sync::DispensingSource source, sync::PersonRecord& r) {
  const Drug& drug = DrugByYj(line.yj);
  Dispensing d;
  d.date = date;
  d.prescribed_date = date;
  d.pharmacy_code = pharmacy.code;
  d.pharmacy_name = pharmacy.name;
  d.prescriber_code = clinic.code;
  d.prescriber_name = clinic.name;
  d.yj_code = std::string(drug.yj);
  d.drug_name = std::string(drug.name);
  d.ingredient = std::string(drug.ingredient);
  d.strength = std::string(drug.strength);
  d.unit = std::string(drug.unit);
  d.usage = std::string(line.usage);
  d.route = line.route;
  d.source = source;
  const double daily = line.daily > 0 ? line.daily : drug.usual_daily;
  if (line.route == Route::kInjection) {
    d.quantity = daily * days;
    d.days_or_times = 1;
  } else if (line.usage == kWeekly || line.usage.starts_with("週1回")) {
    d.quantity = daily;
    d.days_or_times = std::max(1, days / 7);
  } else if (line.usage == "不穏時" || line.usage == "疼痛時") {
    d.route = Route::kAsNeeded;
    d.quantity = daily;
    d.days_or_times = 10;
  } else {
    d.quantity = daily;
    d.days_or_times = days;
  }
  r.dispensings.push_back(std::move(d));
}

// 向精神薬 with a 30-day prescription limit (厚労省告示).
bool ThirtyDayLimit(std::string_view yj) {
  return yj.starts_with("1124") || yj.starts_with("1129") || yj == "1179025F1026" || yj == "1179025F2022";
}

void AddVisits(const GenContext& ctx, const PersonCore& p, const std::vector<Condition>& conds, Clinic clinic,
               sync::PersonRecord& r) {
  Date anchor = 0;
  for (const Condition& c : conds) {
    if (Conditions()[c.cond].clinic == clinic && c.first != nullptr && (anchor == 0 || c.onset < anchor)) {
      anchor = c.onset;
    }
  }
  if (anchor == 0) return;
  Rng rng(ctx.key, Stream::kVisit, static_cast<std::uint64_t>(p.id), static_cast<std::uint64_t>(clinic));
  static constexpr std::array<int, 5> kCadence = {28, 28, 35, 42, 56};
  int cadence = kCadence[static_cast<std::size_t>(rng.Range(0, 4))];
  if (clinic == Clinic::kPsych || clinic == Clinic::kHospital) cadence = 28;
  const bool in_house = rng.Chance(0.2);
  const Facility doctor = MakeFacility(ctx, p.municipality, clinic, rng.Range(0, 11), false);
  const Facility pharmacy = in_house ? doctor : MakeFacility(ctx, p.municipality, clinic, rng.Range(0, 7), true);
  const Date window = WindowStart(ctx.as_of, kDispensingYears);
  const std::int64_t first = std::max<std::int64_t>(0, DaysBetween(anchor, window) / cadence - 1);
  for (std::int64_t n = first;; ++n) {
    Rng visit(ctx.key, Stream::kVisit, static_cast<std::uint64_t>(p.id),
              static_cast<std::uint64_t>(clinic) * 100000 + static_cast<std::uint64_t>(n), 1);
    const Date date = SkipSunday(AddDays(anchor, n * cadence + visit.Range(-3, 3)));
    if (date > ctx.as_of || (p.end != 0 && date >= p.end)) break;
    if (date <= window || visit.Chance(0.03)) continue;  // window, or a missed visit
    const auto source = visit.Chance(EPrescriptionShare(date)) ? sync::DispensingSource::kEPrescription
                                                               : sync::DispensingSource::kClaims;
    for (const Condition& c : conds) {
      if (Conditions()[c.cond].clinic != clinic || c.first == nullptr || c.onset > date) continue;
      const Regimen& rx = (c.second != nullptr && date >= c.change) ? *c.second : *c.first;
      for (const Line& line : rx) {
        if (line.yj.empty()) continue;
        const int days = ThirtyDayLimit(line.yj) ? std::min(cadence, 30) : cadence;
        AddLine(line, date, days, doctor, pharmacy, source, r);
      }
    }
  }
}

struct AcuteEpisode {
  std::array<Line, 3> lines;
  int days;
};

void AddAcute(const GenContext& ctx, const PersonCore& p, sync::PersonRecord& r) {
  static const std::array<AcuteEpisode, 9> kAdult = {{
      {{Line{"1141007F2027", 3, kThrice}, Line{"2223001F2099", 6, kThrice}, Line{"3327002F1142", 3, kThrice}}, 5},
      {{Line{"5200013D1123", 7.5, "1日3回毎食前"}}, 5},
      {{Line{"1141007F3023", 1, "発熱時"}, Line{"2229001F1053", 3, kThrice}}, 5},
      {{Line{"2399005F2023", 3, "1日3回毎食前"}}, 3},
      {{Line{"1149019F1560", 3, kThrice}}, 7},
      {{Line{"1149037F1020", 2, kTwice}}, 14},
      {{Line{"4419002F1027", 3, kThrice}}, 7},
      {{Line{"4490004F2028", 2, kTwice}}, 14},
      {{Line{"1149019F1560", 1, "疼痛時"}}, 1},
  }};
  static const std::array<AcuteEpisode, 3> kChild = {{
      {{Line{"1141007C1075", 0.5, "発熱時"}}, 1},
      {{Line{"4419005F1047", 2, kTwice}}, 5},
      {{Line{"2399005F3020", 2, "1日2回朝夕食前"}}, 3},
  }};
  const Date window = WindowStart(ctx.as_of, kDispensingYears);
  for (int year = Year(window); year <= Year(ctx.as_of); ++year) {
    Rng rng(ctx.key, Stream::kAcute, static_cast<std::uint64_t>(p.id), static_cast<std::uint64_t>(year));
    const int age = sync::AgeOn(p.birth, MakeDate(year, 7, 1));
    if (age < 0) continue;
    const double rate = age < 7 ? 2.5 : (age < 65 ? 0.8 : 1.1);
    int count = 0;
    for (double x = rng.Uniform(); x < rate && count < 6; x += rng.Uniform() * 1.5) ++count;
    for (int e = 0; e < count; ++e) {
      const Date date = SkipSunday(AddDays(MakeDate(year, 1, 1), rng.Range(0, 364)));
      const AcuteEpisode& ep =
          age < 7 ? rng.Pick(std::span<const AcuteEpisode>(kChild)) : rng.Pick(std::span<const AcuteEpisode>(kAdult));
      const Facility doctor = MakeFacility(ctx, p.municipality, Clinic::kInternal, rng.Range(0, 11), false);
      const Facility pharmacy = MakeFacility(ctx, p.municipality, Clinic::kInternal, rng.Range(0, 7), true);
      if (date <= window || date > ctx.as_of || (p.end != 0 && date >= p.end) || date < p.birth) continue;
      const auto source = rng.Chance(EPrescriptionShare(date)) ? sync::DispensingSource::kEPrescription
                                                               : sync::DispensingSource::kClaims;
      for (const Line& line : ep.lines) {
        if (line.yj.empty()) continue;
        Line l = line;
        if (l.usage == "発熱時") {
          AddLine(Line{l.yj, l.daily, "疼痛時"}, date, ep.days, doctor, pharmacy, source, r);
          r.dispensings.back().usage = "発熱時";
          continue;
        }
        AddLine(l, date, ep.days, doctor, pharmacy, source, r);
      }
    }
  }
}

}  // namespace

void AddClinical(const GenContext& ctx, const PersonCore& core, sync::PersonRecord& record) {
  const std::vector<Condition> conds = DrawConditions(ctx, core);
  ConditionOnsets onsets{};
  for (const Condition& c : conds) {
    onsets[c.cond] = c.onset;
    if (c.cond == kDialysis || c.cond == kHiv) {
      const Date from = std::max(c.onset, 19900101);
      if (from <= ctx.as_of && (core.end == 0 || core.end > from)) {
        sync::SpecificDiseaseCertificate cert;
        cert.disease = c.cond == kDialysis ? sync::SpecificDisease::kDialysis : sync::SpecificDisease::kHiv;
        cert.valid_from = from;
        cert.valid_to = core.end != 0 && core.end <= ctx.as_of ? core.end : 0;
        record.specific_diseases.push_back(cert);
      }
    }
  }
  for (const Clinic c :
       {Clinic::kInternal, Clinic::kPsych, Clinic::kNeuro, Clinic::kRheum, Clinic::kHospital, Clinic::kAllergy}) {
    AddVisits(ctx, core, conds, c, record);
  }
  AddAcute(ctx, core, record);
  std::stable_sort(record.dispensings.begin(), record.dispensings.end(),
                   [](const Dispensing& a, const Dispensing& b) { return a.date < b.date; });
  AddCheckups(ctx, core, onsets, record);
}

}  // namespace akari::fieldkit::gen::internal
