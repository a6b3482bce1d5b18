// Shared internals of the generator's .cc files (not a public API).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "fieldkit/gen/generator.h"
#include "sync/record.h"

namespace akari::fieldkit::gen::internal {

// Lives (cards, households, jobs) are simulated up to this day, the day
// after the last as-of a region may be generated for (kMaxAsOf).
inline constexpr Date kHorizon = 20360101;
static_assert(kHorizon > kMaxAsOf);

// What the clinical part of the generator needs to know about a person.
struct PersonCore {
  std::int64_t id = 0;
  Date birth = 0;
  sync::Sex sex = sync::Sex::kUnset;
  Date end = 0;  // first day no longer in the region (death or moving out); 0 = never
  int municipality = 0;
  std::uint64_t household = 0;
};

// Onset dates of the conditions checkups depend on (0 = none), indexed by
// CheckupCondition.
enum CheckupCondition { kCkHypertension, kCkDyslipidemia, kCkDiabetes, kCkInsulin };
using ConditionOnsets = std::array<Date, 40>;
void AddCheckups(const GenContext& ctx, const PersonCore& core, const ConditionOnsets& onsets,
                 sync::PersonRecord& record);

// Adds dispensings, 特定疾病 certificates and checkups, windowed by as-of.
void AddClinical(const GenContext& ctx, const PersonCore& core, sync::PersonRecord& record);

// The last day of the windows ending at as-of.
Date WindowStart(Date as_of, int years);

// A bijection of [0, 10^digits) used for insurance numbers, so distinct
// inputs give distinct numbers.
std::uint64_t Scramble(std::uint64_t value, int digits);

// "d" zero-padded to `width`.
std::string Padded(std::uint64_t value, int width);

}  // namespace akari::fieldkit::gen::internal
