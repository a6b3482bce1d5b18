// Clock: the one source of wall time, replaceable in tests.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
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

// Wall time as it was when this object was made, moved on by the steady
// clock since: it never steps when the system clock is set, back or
// forward. For durations kept in memory and shown as times (akari serve's
// sessions), which setting the machine's clock must neither end nor extend.
class MonotonicClock final : public Clock {
 public:
  MonotonicClock() : wall_(std::chrono::system_clock::now()), steady_(std::chrono::steady_clock::now()) {}
  // One for the process, started at its first use.
  static const MonotonicClock& Instance();
  TimePoint Now() const override {
    return wall_ + std::chrono::duration_cast<TimePoint::duration>(std::chrono::steady_clock::now() - steady_);
  }

 private:
  TimePoint wall_;
  std::chrono::steady_clock::time_point steady_;
};

// A clock that never reads earlier than its floor. The floor is a time known
// to have passed, moved on by the time elapsed since it was known: a node's
// time is the system clock floored at the newest signed time the node has
// seen (node/node_time.h), so a clock set back (a dead RTC battery, a laptop
// reset in the field) cannot make ended coverage current again or expired
// data fresh, and the node's time still moves on while the clock is behind.
// Reading and raising are safe from any thread; `base` and `elapsed` must
// outlive this object.
class FloorClock final : public Clock {
 public:
  // `elapsed` is read only for the time between two of its readings: a
  // MonotonicClock (the default), or a ManualClock in tests.
  explicit FloorClock(const Clock& base, const Clock& elapsed = MonotonicClock::Instance())
      : base_(base), elapsed_(elapsed) {}
  TimePoint Now() const override { return std::max(base_.Now(), floor()); }
  // `t` has passed: the floor is at least `t` from now on, and moves on with
  // `elapsed`. A `t` below the floor changes nothing.
  void Raise(TimePoint t);
  // The floor now; TimePoint::min() before the first Raise.
  TimePoint floor() const;
  // The clock under the floor, for saying how far it is behind.
  const Clock& base() const { return base_; }

 private:
  static constexpr TimePoint::rep kNoFloor = std::numeric_limits<TimePoint::rep>::min();
  const Clock& base_;
  const Clock& elapsed_;
  // The floor minus elapsed_.Now(), in TimePoint ticks; only rises.
  std::atomic<TimePoint::rep> offset_{kNoFloor};
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
