// The hub's node registry: invitations (one-time enrollment tokens),
// enrollment (a node registers its public keys), removal and listing.
//
// Tokens are described in sync/publication/enrollment.h. Anyone holding a
// token can enroll once; it is shown once, at `node add`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/keys.h"
#include "sync/hub/hub_store.h"
#include "sync/publication/enrollment.h"

namespace akari::sync::hub {

using publication::EnrollmentToken;
using publication::ParseEnrollmentToken;

struct Invitation {
  std::int64_t seq = 0;
  std::string token;
};

// Registers an invitation labelled `label`; returns the token (only now).
[[nodiscard]] Result<Invitation> InviteNode(HubStore& store, std::string_view label, const Clock& clock);

struct NodeInfo {
  std::int64_t seq = 0;
  std::string label;
  std::string node_id;  // "" until enrolled
  std::string state;    // "invited", "enrolled", "removed"
  std::optional<TimePoint> invited_at, enrolled_at, removed_at;
  std::optional<crypto::X25519PublicKey> box_public_key;
  std::optional<crypto::Ed25519PublicKey> signing_public_key;
};

[[nodiscard]] Result<std::vector<NodeInfo>> ListNodes(HubStore& store);

// The nodes that get a content-key envelope: enrolled and not removed.
[[nodiscard]] Result<std::vector<NodeInfo>> EnrolledNodes(HubStore& store);

// Removes a node (by node id, or by the invitation number shown by `node
// list`); the next publish draws a new content key. Error kInvalidArgument
// when no such node exists or it was already removed.
[[nodiscard]] Result<NodeInfo> RemoveNode(HubStore& store, std::string_view node, const Clock& clock);

struct EnrollRequest {
  std::string token;
  std::string node_id;  // 32 hex digits (the node keystore's id)
  crypto::Ed25519PublicKey signing_public_key{};
  crypto::X25519PublicKey box_public_key{};
};

struct EnrollResult {
  std::string region;
  std::string root;  // the root metadata file the token's fingerprint names
  std::int64_t seq = 0;
};

// Redeems a token. Errors: kInvalidArgument (a node id that is not 32 hex
// digits; checked first), kBadToken (malformed, unknown, already used, for
// another region), kConflict (a node id already enrolled).
[[nodiscard]] Result<EnrollResult> EnrollNode(HubStore& store, const EnrollRequest& request, const Clock& clock);

}  // namespace akari::sync::hub
