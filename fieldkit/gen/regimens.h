// The clinical data of the synthetic region (not a public API): chronic
// conditions with their prevalences, clinics and regimens, and the acute
// episodes. Data only; clinical.cc turns it into dispensings.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fieldkit/gen/internal.h"
#include "sync/record.h"

namespace akari::fieldkit::gen::internal {

// One line of a regimen or an acute episode.
struct Line {
  std::string_view yj;
  // Amount a day in the drug's dose unit (tablets, insulin units,
  // inhalations, mL of eye drops …); a dose for weekly and 屯服 lines. 0 =
  // the drug's usual amount.
  double daily = 0;
  std::string_view usage;
  sync::Route route = sync::Route::kOral;
  int every = 1;  // dispensed at about one visit in `every` (relievers last longer than a visit)
  int days = 0;   // acute lines: days (屯服: times) when not the episode's
};
using Regimen = std::array<Line, 4>;  // unused lines have an empty yj

constexpr Line Oral(std::string_view yj, double daily, std::string_view usage) {
  return Line{yj, daily, usage};
}
constexpr Line External(std::string_view yj, double daily, std::string_view usage) {
  return Line{yj, daily, usage, sync::Route::kExternal};
}
constexpr Line Injection(std::string_view yj, double daily, std::string_view usage) {
  return Line{yj, daily, usage, sync::Route::kInjection};
}
// An as-needed inhaler or similar (外用), refilled at about one visit in 3.
constexpr Line Reliever(std::string_view yj, double daily, std::string_view usage) {
  return Line{yj, daily, usage, sync::Route::kExternal, 3};
}

// Never reorder or renumber: the index keys each condition's random stream.
enum class Clinic : std::uint8_t {
  kInternal,
  kPsych,
  kNeuro,
  kRheum,
  kHospital,
  kAllergy,
  kEye,
  kUrology,
  kOrtho,
};
inline constexpr std::array<Clinic, 9> kClinics = {Clinic::kInternal, Clinic::kPsych,    Clinic::kNeuro,
                                                   Clinic::kRheum,    Clinic::kHospital, Clinic::kAllergy,
                                                   Clinic::kEye,      Clinic::kUrology,  Clinic::kOrtho};

// The chronic conditions. Never reorder: the value keys each condition's
// random stream, and the first four match CheckupCondition.
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
  kAsthma,
  kCopd,
  kGerd,
  kDementia,
  kProstate,
  kBladder,
  kGlaucoma,
  kDryEye,
  kChronicPain,
  kCondCount
};
static_assert(kCondCount <= std::tuple_size_v<ConditionOnsets>);

// Regimens for the young: persons younger than `below` (at the population
// date) draw from `regimens` instead of the adult list.
struct AgeTier {
  int below = 0;
  std::span<const Regimen> regimens;
};

struct ConditionSpec {
  std::span<const Regimen> regimens;
  Clinic clinic;
  int min_age;
  // Prevalence at ages <40, 40s, 50s, 60s, 70s, 80+ (men, women).
  std::array<double, 6> male;
  std::array<double, 6> female;
  std::array<AgeTier, 2> young{};  // youngest tier first
};
const std::array<ConditionSpec, kCondCount>& Conditions();
// The regimens for someone `age` years old at the population date.
std::span<const Regimen> RegimensFor(const ConditionSpec& spec, int age);

struct AcuteEpisode {
  std::array<Line, 4> lines;
  int days;
  int min_age = 0;          // not drawn for anyone younger (quinolones, zoster …)
  bool flu_season = false;  // dated in December to March
};
// Episodes of children under 7, and of everyone older.
std::span<const AcuteEpisode> ChildEpisodes();
std::span<const AcuteEpisode> AdultEpisodes();

// A condition a person has, and since when (for tests and tools).
struct DrawnCondition {
  Cond cond;
  Date onset;
};
std::vector<DrawnCondition> DrawnConditions(const GenContext& ctx, const PersonCore& core);

}  // namespace akari::fieldkit::gen::internal
