#include "fieldkit/gen/calendar.h"

namespace akari::fieldkit::gen {

TimePoint MidnightInJapan(Date d) {
  return FromUnixSeconds(sync::DaysSinceEpoch(d) * 86400 - 9 * 3600);
}

Date AddDays(Date d, std::int64_t days) {
  return sync::DateFromDays(sync::DaysSinceEpoch(d) + days);
}

std::int64_t DaysBetween(Date a, Date b) {
  return sync::DaysSinceEpoch(b) - sync::DaysSinceEpoch(a);
}

Date AddYears(Date d, int years) {
  Date out = MakeDate(Year(d) + years, Month(d), DayOfMonth(d));
  if (!sync::IsValidDate(out)) out = MakeDate(Year(d) + years, Month(d), 28);
  return out;
}

int Weekday(Date d) {
  const std::int64_t days = sync::DaysSinceEpoch(d);  // 1970-01-01 was a Thursday
  return static_cast<int>(((days % 7) + 7 + 4) % 7);
}

Date SkipSunday(Date d) {
  return Weekday(d) == 0 ? AddDays(d, 1) : d;
}

Date BirthdayAt(Date birth, int age) {
  return AddYears(birth, age);
}

Date MonthStartOnOrAfter(Date d) {
  if (DayOfMonth(d) == 1) return d;
  return Month(d) == 12 ? MakeDate(Year(d) + 1, 1, 1) : MakeDate(Year(d), Month(d) + 1, 1);
}

Date SchoolStart(Date birth) {
  const Date sixth = BirthdayAt(birth, 6);
  // Children born on 1 April start school with those born before them.
  const Date april = MakeDate(Year(sixth), 4, 1);
  return sixth <= april ? april : MakeDate(Year(sixth) + 1, 4, 1);
}

}  // namespace akari::fieldkit::gen
