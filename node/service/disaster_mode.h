// Disaster mode (災害時モード): declared by an admin (`akari disaster on`,
// PUT /v1/mode), it allows demographic search with a recorded reason.
// The mode lives in the store's meta (kMode, kModeReason) so that every
// process sees it, and every change is written to the audit log in the
// same transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "node/audit/audit_log.h"
#include "node/store/store.h"

namespace akari::node {

inline constexpr std::size_t kMaxReasonChars = 200;

struct NodeMode {
  bool disaster = false;
  std::string reason;  // why it was declared (or ended)
  // The audit entry of the change that set this mode (0: set before this
  // was recorded). Two declarations of disaster mode differ in it.
  std::int64_t change_seq = 0;
};

[[nodiscard]] Result<NodeMode> ReadNodeMode(store::Store& store);

// Returns "" when `reason` is acceptable (1–200 characters, no control
// characters), else why not.
std::string ReasonProblem(std::string_view reason);

// Switches the mode and appends "mode.change" (actor, from, to, reason).
// A reason is required to turn disaster mode on and optional to turn it
// off. Errors: ServiceErrc::kInvalidArgument (reason), kUnchanged (already
// in that mode; nothing is written), store errors.
[[nodiscard]] Status SetNodeMode(store::Store& store, AuditLog& audit, bool disaster, std::string_view reason,
                                 std::string_view actor);

}  // namespace akari::node
