// Structured logging: one JSON object per line on stderr (or a set sink).
// Info and debug lines reach stderr within about 100 ms, gathered into one
// write; warnings and errors at once, after every line logged before them;
// whatever waits is written when the process exits.
// Logs carry ids (person id, check id, operator id), never names, kana,
// birth dates, addresses or insurance numbers. Callers are responsible for
// that; fields are typed so that free text is the exception.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace akari {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct LogField {
  std::string_view key;
  std::variant<std::int64_t, double, bool, std::string_view> value;

  LogField(std::string_view k, std::int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, std::uint32_t v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
};

// Writes one log line: {"t", "level", "event", then `fields` in order}.
// Field keys must be distinct and not "t", "level" or "event". Thread-safe.
void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// Writes the lines still waiting for stderr now. Thread-safe.
void FlushLog();

// Lines below `level` are dropped (default kInfo).
void SetLogLevel(LogLevel level);

// Redirects log lines (tests); an empty function restores stderr.
void SetLogSink(std::function<void(std::string_view line)> sink);

}  // namespace akari
