// The hub's side of reconciliation (ARCHITECTURE.md section 7,
// docs/reconcile.md): POST /v1/checks. Each uploaded check is verified
// with the enrolled node's signing key, answered against the region's
// coverage history as of the check's time (reconcile::AnswerCheck), and
// recorded under its id before the response is sent, so that a check sent
// again (a lost response, a node killed mid-upload) gets its first answer
// back and is never counted twice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "sync/hub/hub_store.h"
#include "sync/net/http.h"
#include "sync/reconcile/protocol.h"

namespace akari::sync::hub {

// Answers a batch in one durable transaction (synchronous=FULL: committed
// before this returns). Errors: kInvalidArgument (the batch itself is bad:
// more than kMaxBatchChecks, the same id twice), kUnknownKey (the node is
// not enrolled here, or was removed: its checks are not accepted), store
// errors. A check with a bad signature or body is
// an answer (signature_invalid, malformed), never recorded under its id: a
// forged check must not block the real one. So is a check whose id is not
// the uploading node's ("<node id>-<seq>"): answered malformed and not
// recorded, whoever signed it.
[[nodiscard]] Result<reconcile::UploadResponse> AnswerUpload(HubStore& store, const reconcile::UploadBatch& batch,
                                                             const Clock& clock);

// What the hub has recorded: answers per node and outcome.
struct CheckCounts {
  std::int64_t total = 0;
  std::map<std::string, std::map<std::string, std::int64_t>> by_node;  // node id → outcome → count
};
[[nodiscard]] Result<CheckCounts> CountRecordedChecks(HubStore& store);

// The highest audit-log head a node reported with its checks
// (reconcile::ReportedAuditHead; AnswerUpload keeps it, in the batch's
// transaction, when its signature verifies with the node's key). An export
// of the node's log must hold entry `seq` with this hash; one that ends
// before it was cut short. `went_back_*`: a later batch reported a lower
// head (or this number with another hash): the log was cut short or
// restored from a backup.
struct NodeAuditHead {
  std::int64_t seq = 0;
  Bytes hash;
  TimePoint received_at;
  // The node has signed a head's number and time (AuditHeadStatement):
  // from then on only such heads are taken from it. False for nodes that
  // predate it, whose numbers anyone who can post a batch could set.
  bool statement_signed = false;
  std::optional<TimePoint> went_back_at;
  std::optional<std::int64_t> went_back_to;
};
// By node id.
[[nodiscard]] Result<std::map<std::string, NodeAuditHead>> NodeAuditHeads(HubStore& store);

struct HubApiContext;

// POST /v1/checks: body reconcile::BatchToJson (≤ 1 MiB; the server's body
// limit must allow it: kMaxUploadBody) → 200 reconcile::ResponseToJson;
// 400 bad_request, 403 unknown_node, 413 from the server, 500 internal.
void AddCheckRoutes(net::Router& router, HubApiContext& context);

// The request body limit `akari-hub serve` sets: a full batch plus room.
inline constexpr std::size_t kMaxUploadBody = reconcile::kMaxBatchBytes + 64 * 1024;

}  // namespace akari::sync::hub
