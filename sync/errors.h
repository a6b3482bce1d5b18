// Errors of the sync module (category "akari.sync").
#pragma once

#include <system_error>

namespace akari::sync {

enum class SyncErrc {
  kInvalidRecord = 1,  // a record or document failed validation
  kCorruptDocument,    // an encoded document did not decode
  kCompression,        // zstd failed
  kBadSignature,       // a manifest signature did not verify
  kUnknownKey,         // a manifest was signed by a key this node does not trust
  kRolledBack,         // a manifest older than one already accepted
  kWrongRegion,        // a manifest for another region
  kExpired,            // a manifest past its expiry time
  kNoEnvelope,         // no content-key envelope for this node
  kObjectMismatch,     // an object's hash, size or MAC did not verify
  kMixAndMatch,        // metadata that never coexisted
  kUnreachable,        // the source could not be reached after retries
  kHttp,               // the server answered with an error status
  kTimeout,            // the server was too slow
  kIo,                 // local file error
  kClockRolledBack,    // the local clock is behind a signed time already seen
  kBadToken,           // an enrollment token that does not parse or was used
  kInvalidArgument,    // a caller error
  kCancelled,          // the operation was stopped
  kDiskFull,           // no space left where the node stages or stores data
  kTooLarge,           // a response body longer than the request allowed
  kBusy,               // another sync of the same node is running
  kConflict,           // the thing exists already (a node id registered with the hub)
};

const std::error_category& SyncCategory();

inline std::error_code make_error_code(SyncErrc e) {
  return {static_cast<int>(e), SyncCategory()};
}

}  // namespace akari::sync

template <>
struct std::is_error_code_enum<akari::sync::SyncErrc> : std::true_type {};
