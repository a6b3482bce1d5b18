// Clock: the one source of wall time, replaceable in tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace akari {

using TimePoint = std::chrono::system_clock::time_point;

// Threading: implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The system's wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& Instance();
};

// A clock that only moves when told to (tests). Moving it is safe while
// other threads read it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint now) : ticks_(now.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(TimePoint::duration(ticks_.load())); }
  void Set(TimePoint now) { ticks_.store(now.time_since_epoch().count()); }
  void Advance(std::chrono::system_clock::duration d) { ticks_.fetch_add(d.count()); }

 private:
  std::atomic<TimePoint::rep> ticks_;
};

// Seconds since the Unix epoch.
std::int64_t ToUnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(std::int64_t seconds);

// RFC 3339 UTC with seconds, e.g. "2026-11-25T16:40:00Z".
std::string FormatUtc(TimePoint t);

// The years ParseUtc accepts: those a TimePoint (64-bit nanoseconds,
// 1677-09-21 to 2262-04-11) holds from their first to their last second.
inline constexpr int kMinUtcYear = 1678;
inline constexpr int kMaxUtcYear = 2261;

// Parses the format FormatUtc writes, in the years kMinUtcYear to
// kMaxUtcYear; false on anything else.
bool ParseUtc(std::string_view text, TimePoint& out);

}  // namespace akari
