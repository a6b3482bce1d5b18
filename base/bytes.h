// Byte-buffer vocabulary and hex encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace akari {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// Views the characters of `s` as bytes.
inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Copies the characters of `s` into a byte vector.
inline Bytes BytesOf(std::string_view s) {
  const ByteSpan b = AsBytes(s);
  return Bytes(b.begin(), b.end());
}

// Copies bytes into a string (for APIs that carry binary data in strings).
inline std::string ToString(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lower-case hex of `b`.
std::string ToHex(ByteSpan b);

// Parses hex (either case, even length); nullopt on any other character.
std::optional<Bytes> FromHex(std::string_view hex);

}  // namespace akari
