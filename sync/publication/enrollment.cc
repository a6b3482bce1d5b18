#include "sync/publication/enrollment.h"

#include <vector>

#include "base/bytes.h"
#include "sync/errors.h"
#include "sync/publication/layout.h"

namespace akari::sync::publication {
namespace {

constexpr std::string_view kTokenPrefix = "AKE1";

bool IsHex(std::string_view s, std::size_t n) {
  return s.size() == n && FromHex(s).has_value();
}

std::unexpected<Error> BadToken(std::string_view why) {
  return MakeError(SyncErrc::kBadToken, "the enrollment token " + std::string(why) +
                                            "; ask the hub administrator for a new one (akari-hub node add)");
}

}  // namespace

std::string EnrollmentToken::Text() const {
  return std::string(kTokenPrefix) + "." + region + "." + root_fingerprint + "." + secret;
}

Result<EnrollmentToken> ParseEnrollmentToken(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t dot = text.find('.');
    parts.push_back(text.substr(0, dot));
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  if (parts.size() != 4 || parts[0] != kTokenPrefix) return BadToken("is not an Akari enrollment token");
  EnrollmentToken t{std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
  if (!IsValidRegion(t.region) || !IsHex(t.root_fingerprint, 64) || !IsHex(t.secret, 32)) {
    return BadToken("is damaged (check that it was copied completely)");
  }
  return t;
}

}  // namespace akari::sync::publication
