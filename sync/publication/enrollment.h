// Enrollment: the one-time token a hub administrator hands to a node's
// administrator, and the POST /v1/enroll exchange that redeems it.
//
// Token: "AKE1.<region>.<root fingerprint>.<secret>": the region code, the
// hex BLAKE2b-256 of the canonical root metadata the node must pin (so the
// node trusts no other hub, even one answering at the same URL), and 16
// random bytes (hex) of which the hub stores only a hash.
//
// Request  {"token", "node_id", "signing_public_key", "box_public_key"} (keys base64)
// Response {"region", "root": "<root metadata file text>"}
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace akari::sync::publication {

struct EnrollmentToken {
  std::string region;
  std::string root_fingerprint;  // 64 hex digits
  std::string secret;            // 32 hex digits
  std::string Text() const;
};

// Error: kBadToken.
[[nodiscard]] Result<EnrollmentToken> ParseEnrollmentToken(std::string_view text);

}  // namespace akari::sync::publication
