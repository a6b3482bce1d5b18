#include "node/service/disaster_mode.h"

#include <algorithm>

#include "base/strings.h"
#include "node/service/errors.h"
#include "node/service/json_input.h"
#include "node/store/meta_keys.h"

namespace akari::node {

Result<NodeMode> ReadNodeMode(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(auto mode, store.GetMeta(store::meta::kMode));
  AKARI_ASSIGN_OR_RETURN(auto reason, store.GetMeta(store::meta::kModeReason));
  AKARI_ASSIGN_OR_RETURN(auto change_seq, store.GetMeta(store::meta::kModeChangeSeq));
  return NodeMode{mode.value_or("normal") == "disaster", reason.value_or(""),
                  change_seq ? ParseInt64(*change_seq).value_or(0) : 0};
}

std::string ReasonProblem(std::string_view reason) {
  // Spaces, tabs and the bytes of U+3000 (ideographic space) only.
  const bool blank = reason.find_first_not_of(" \t\xe3\x80") == std::string_view::npos;
  if (reason.empty() || blank) return "a reason is required (for example the disaster and the area)";
  if (CountCodePoints(reason) > kMaxReasonChars)
    return "the reason is longer than " + std::to_string(kMaxReasonChars) + " characters";
  if (std::any_of(reason.begin(), reason.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return "the reason must be one line without control characters";
  return "";
}

Status SetNodeMode(store::Store& store, AuditLog& audit, bool disaster, std::string_view reason,
                   std::string_view actor) {
  if (disaster || !reason.empty()) {
    if (std::string problem = ReasonProblem(reason); !problem.empty())
      return MakeError(ServiceErrc::kInvalidArgument, problem);
  }
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(store.database(), /*durable=*/true));
  AKARI_ASSIGN_OR_RETURN(NodeMode current, ReadNodeMode(store));
  if (current.disaster == disaster) {
    return MakeError(ServiceErrc::kUnchanged, disaster ? "disaster mode is already on (since: " + current.reason + ")"
                                                       : "disaster mode is already off");
  }
  AKARI_TRY(store.SetMeta(store::meta::kMode, disaster ? "disaster" : "normal"));
  AKARI_TRY(store.SetMeta(store::meta::kModeReason, reason));
  AuditEvent event;
  event.event = "mode.change";
  event.actor = std::string(actor);
  event.detail = {{"from", current.disaster ? "disaster" : "normal"},
                  {"to", disaster ? "disaster" : "normal"},
                  {"reason", std::string(reason)}};
  AKARI_ASSIGN_OR_RETURN(const std::int64_t seq, audit.Append(event));
  AKARI_TRY(store.SetMeta(store::meta::kModeChangeSeq, std::to_string(seq)));
  return tx.Commit();
}

}  // namespace akari::node
