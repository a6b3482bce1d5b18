// Calendar arithmetic on sync::Date (YYYYMMDD) for the generator.
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "sync/record.h"

namespace akari::fieldkit::gen {

using sync::Date;

// `d` moved by `days`.
Date AddDays(Date d, std::int64_t days);
// 00:00 of `d` in Japan (UTC+9, no daylight saving).
TimePoint MidnightInJapan(Date d);
// Days from `a` to `b` (b - a).
std::int64_t DaysBetween(Date a, Date b);
// The same month and day `years` later; 29 February becomes 28 February.
Date AddYears(Date d, int years);
// 0 = Sunday … 6 = Saturday.
int Weekday(Date d);
// The date `d` if it is a weekday or Saturday, else the next Monday
// (clinics and pharmacies are closed on Sundays).
Date SkipSunday(Date d);
// The birthday at which someone born on `birth` turns `age`.
Date BirthdayAt(Date birth, int age);
// The first day of the month after `d`, or `d` itself when it is the 1st
// (the rule for 70-year-olds' 高齢受給者 copay and similar changes).
Date MonthStartOnOrAfter(Date d);
// 1 April after the 6th birthday: the end of 未就学 (pre-school) copay.
Date SchoolStart(Date birth);
inline int Year(Date d) {
  return d / 10000;
}
inline int Month(Date d) {
  return d / 100 % 100;
}
inline int DayOfMonth(Date d) {
  return d % 100;
}
inline Date MakeDate(int y, int m, int day) {
  return y * 10000 + m * 100 + day;
}

}  // namespace akari::fieldkit::gen
