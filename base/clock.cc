#include "base/clock.h"

#include <cstdio>
#include <ctime>

#include "base/saturating.h"

namespace akari {

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

const MonotonicClock& MonotonicClock::Instance() {
  static const MonotonicClock clock;
  return clock;
}

void FloorClock::Raise(TimePoint t) {
  // Saturating: a `t` near TimePoint's lower bound is no floor at all.
  const TimePoint::rep wanted = SaturatingAdd(t.time_since_epoch().count(), -elapsed_.Now().time_since_epoch().count());
  TimePoint::rep current = offset_.load(std::memory_order_relaxed);
  while (current < wanted && !offset_.compare_exchange_weak(current, wanted, std::memory_order_relaxed)) {
  }
}

TimePoint FloorClock::floor() const {
  const TimePoint::rep offset = offset_.load(std::memory_order_relaxed);
  if (offset == kNoFloor) return TimePoint::min();
  return TimePoint(TimePoint::duration(SaturatingAdd(elapsed_.Now().time_since_epoch().count(), offset)));
}

std::int64_t ToUnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TimePoint FromUnixSeconds(std::int64_t seconds) {
  return TimePoint(std::chrono::seconds(seconds));
}

std::string FormatUtc(TimePoint t) {
  const std::time_t secs = static_cast<std::time_t>(ToUnixSeconds(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool ParseUtc(std::string_view text, TimePoint& out) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text[19] != 'Z') {
    return false;
  }
  auto num = [&](std::size_t pos, std::size_t len, int& value) {
    value = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      value = value * 10 + (text[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, s)) {
    return false;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  // Outside these years the conversion to nanoseconds below would
  // overflow (undefined behaviour, in practice a time in another century).
  if (y < kMinUtcYear || y > kMaxUtcYear) return false;
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return false;
  out = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s);
  return true;
}

}  // namespace akari
