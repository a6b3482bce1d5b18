// `akari enroll`: redeems a hub's one-time token over HTTP, registers this
// node's public keys with the hub and pins the hub's root metadata (the one
// whose fingerprint the token carries), so the node trusts no other hub.
#pragma once

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "node/node_dir.h"
#include "sync/net/http_client.h"

namespace akari::node {

struct EnrollOptions {
  std::string hub_url;
  std::string token;
  net::ClientOptions client;
};

struct EnrollResult {
  std::string region;
  std::string hub_url;
  std::int64_t root_version = 0;
  std::string root_fingerprint;
};

// Errors: kBadToken (malformed, unknown or used token; a root that does not
// match the token), kInvalidArgument (already enrolled), kUnreachable,
// kTimeout, kHttp, and the root verification errors. Nothing is stored on
// any error.
[[nodiscard]] Result<EnrollResult> EnrollWithHub(OpenNode& node, const EnrollOptions& options, const Clock& clock);

}  // namespace akari::node
