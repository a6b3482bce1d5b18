#include "sync/record.h"

#include <chrono>
#include <cstdio>
#include <string_view>

namespace akari::sync {
namespace {

std::chrono::year_month_day ToYmd(Date d) {
  return std::chrono::year_month_day{std::chrono::year(d / 10000),
                                     std::chrono::month(static_cast<unsigned>(d / 100 % 100)),
                                     std::chrono::day(static_cast<unsigned>(d % 100))};
}

}  // namespace

bool IsValidDate(Date d) {
  if (d < 18000101 || d > 99991231) return false;
  return ToYmd(d).ok();
}

std::int64_t DaysSinceEpoch(Date d) {
  return std::chrono::sys_days(ToYmd(d)).time_since_epoch().count();
}

Date DateFromDays(std::int64_t days) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(days))};
  return static_cast<int>(ymd.year()) * 10000 + static_cast<int>(static_cast<unsigned>(ymd.month())) * 100 +
         static_cast<int>(static_cast<unsigned>(ymd.day()));
}

std::string FormatDate(Date d) {
  if (d == 0) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
  return buf;
}

Date ParseDate(std::string_view text) {
  std::string digits;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    digits = std::string(text.substr(0, 4)) + std::string(text.substr(5, 2)) + std::string(text.substr(8, 2));
  } else if (text.size() == 8) {
    digits = std::string(text);
  } else {
    return 0;
  }
  Date value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + (c - '0');
  }
  return IsValidDate(value) ? value : 0;
}

Date DateInJapan(std::chrono::system_clock::time_point t) {
  const auto days = std::chrono::floor<std::chrono::days>(t + std::chrono::hours(9));
  return DateFromDays(days.time_since_epoch().count());
}

int AgeOn(Date birth, Date on) {
  int age = on / 10000 - birth / 10000;
  if (on % 10000 < birth % 10000) --age;
  return age;
}

const Coverage* CoverageOn(const PersonRecord& record, Date on) {
  const Coverage* found = nullptr;
  for (const Coverage& c : record.coverages) {
    if (c.valid_from <= on && (c.valid_to == 0 || on < c.valid_to)) found = &c;
  }
  return found;
}

}  // namespace akari::sync
