// High-risk medication classes: medicines whose interruption in a disaster
// is dangerous (domain.md §4.3; issue list: insulin, anticoagulants,
// antiplatelets, antiepileptics, steroids, psychotropics, antiparkinson,
// thyroid, immunosuppressants, antiretrovirals, dialysis). Classified from
// the YJ code's 薬効分類 prefix, with ingredient lists where the class code is
// a catch-all (3999 immunosuppressants, 625 antivirals).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sync/record.h"

namespace akari::sync {

enum class RiskClass : std::uint8_t {
  kInsulin = 1,
  kAntidiabetic = 2,  // oral / GLP-1: hypoglycaemia or ketoacidosis when food is scarce
  kAnticoagulant = 3,
  kAntiplatelet = 4,
  kAntiepileptic = 5,
  kSteroid = 6,
  kPsychotropic = 7,
  kAntiparkinson = 8,
  kThyroid = 9,
  kImmunosuppressant = 10,
  kAntiretroviral = 11,
  kDialysis = 12,
};

inline constexpr std::uint8_t kMaxRiskClass = 12;

// Stable machine name ("insulin", "anticoagulant", …) for the API.
std::string_view RiskClassName(RiskClass c);
// Japanese label for staff ("インスリン", "抗凝固薬", …).
std::string_view RiskClassLabelJa(RiskClass c);

// The classes of one medicine (usually zero or one).
std::vector<RiskClass> ClassifyMedicine(std::string_view yj_code, std::string_view ingredient);

// The classes a person is currently exposed to as of `as_of`: a class
// counts when a dispensing of it covers a day within the last
// `lookback_days` (date + days supplied), or a 特定疾病 certificate for
// dialysis is valid. Sorted, unique.
std::vector<RiskClass> ActiveRiskClasses(const PersonRecord& record, Date as_of, int lookback_days = 120);

}  // namespace akari::sync
