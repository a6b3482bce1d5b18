// Small string helpers with no exceptions.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace akari {

// Parses a whole decimal integer (optional leading '-'); nullopt otherwise.
inline std::optional<std::int64_t> ParseInt64(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace akari
