// Root metadata: the hub's root keys (a threshold of which must sign every
// root version) and the online manifest keys. A node pins one root at
// enrollment and then accepts root N+1 only when a threshold of root N's
// keys and a threshold of N+1's own root keys signed it (TUF §5.3), so a
// node offline for months walks the chain 1.json, 2.json, … to today.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "sync/publication/signed.h"

namespace akari::sync::publication {

struct RootMetadata {
  std::string region;
  std::int64_t version = 0;
  TimePoint created;
  TimePoint expires;
  KeyMap keys;            // every key either role uses
  KeyRole root_role;      // signs root metadata (offline keys in production)
  KeyRole manifest_role;  // signs manifests (the online key)
};

// The "signed" object of a root file ({"_type": "root", "format": 1, …}).
nlohmann::json RootToJson(const RootMetadata& root);

// Parses and validates a "signed" object (version at most kMaxVersion,
// times within ParseUtc's years). Error: kCorruptDocument naming the field.
[[nodiscard]] Result<RootMetadata> RootFromJson(const nlohmann::json& signed_part);

// Verifies a root on its own: a threshold of its own root keys signed it.
// Used once, at enrollment, after the fingerprint from the token matched.
// Errors: kCorruptDocument, kUnknownKey, kBadSignature.
[[nodiscard]] Result<RootMetadata> VerifyInitialRoot(const SignedDocument& doc);

// Verifies `next` as the successor of the trusted `current`: same region,
// version exactly current.version + 1, signed by a threshold of current's
// root keys and by a threshold of its own. Errors: kCorruptDocument,
// kWrongRegion, kRolledBack (version not current + 1), kUnknownKey,
// kBadSignature.
[[nodiscard]] Result<RootMetadata> VerifyNextRoot(const RootMetadata& current, const SignedDocument& next);

}  // namespace akari::sync::publication
