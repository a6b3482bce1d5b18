// 保険者番号 (insurer number) validation: length, digits, prefecture and the
// 検証番号 (check digit) defined by MHLW's 保険者番号設定要領: weights 2,1,2,…
// from the last body digit, products' digits summed, check = (10 - sum % 10) % 10.
#pragma once

#include <string>
#include <string_view>

#include "sync/record.h"

namespace akari::sync {

enum class InsurerNumberProblem {
  kNone,
  kWrongLength,    // not 6 or 8 digits
  kNotDigits,      // contains something other than digits
  kBadPrefecture,  // 都道府県番号 not 01–47
  kBadCheckDigit,  // 検証番号 does not match
};

// The check digit for `body` (all digits but the last).
int InsurerCheckDigit(std::string_view body);

// What is wrong with `number` (already normalised), or kNone.
InsurerNumberProblem CheckInsurerNumber(std::string_view number);

// A message for staff explaining `problem` for `number`.
std::string DescribeInsurerNumberProblem(InsurerNumberProblem problem, std::string_view number);

// The scheme an 8- or 6-digit insurer number belongs to (by 法別番号).
Scheme SchemeOfInsurerNumber(std::string_view number);

// Converts full-width digits to ASCII and drops spaces, hyphens and
// full-width spaces: what staff type from a card becomes comparable.
std::string NormalizeDigits(std::string_view text);

}  // namespace akari::sync
