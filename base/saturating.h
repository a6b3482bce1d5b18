// Saturating int64 arithmetic, for totals over counts another party chose
// (a manifest's): a result past the range stays at the bound instead of
// overflowing, which is undefined behaviour.
#pragma once

#include <cstdint>
#include <limits>

namespace akari {

// a + b, or the nearest bound of int64 when that is out of range.
constexpr std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

// a * b, or the nearest bound of int64 when that is out of range.
constexpr std::int64_t SaturatingMul(std::int64_t a, std::int64_t b) {
  std::int64_t product = 0;
  if (!__builtin_mul_overflow(a, b, &product)) return product;
  return (a < 0) == (b < 0) ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

}  // namespace akari
