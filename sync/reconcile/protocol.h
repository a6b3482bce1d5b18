// The reconciliation protocol between a node and its hub (ARCHITECTURE.md
// section 7, docs/reconcile.md): the node uploads batches of its signed
// checks to POST /v1/checks; the hub answers each against the coverage
// history as of the check's time. Both sides use these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "sync/record.h"

namespace akari::sync::reconcile {

inline constexpr std::size_t kMaxBatchChecks = 200;
inline constexpr std::size_t kMaxBatchBytes = std::size_t{1} << 20;
// Beyond this difference between the node's and the hub's clock the hub
// evaluates checks at their corrected time and says so.
inline constexpr std::chrono::seconds kSkewTolerance{120};

// The bytes a check's node signature covers: "akari-check/1" || body.
Bytes CheckSigningInput(std::string_view body);

struct UploadedCheck {
  std::string id;    // the check id, "<node id>-<seq>"
  std::string body;  // the canonical JSON exactly as signed
  Bytes signature;   // Ed25519 over "akari-check/1" || body
};

// The newest entry of the node's audit log when it sent a batch: its
// sequence number, hash and signature (the entry's own: the newest entry of
// a log is always signed, node/audit/audit_log.h). The hub keeps the
// highest it received per node, so that a log later cut short, or rewritten
// from a backup, no longer reaches it.
//
// The entry's signature covers only its hash, and every export of the log
// holds such pairs. So the node also signs the head's statement
// (AuditHeadStatement: node id, number, hash and the batch's `sent_at`):
// without it, anyone who can post to the hub could report a genuine hash
// under any number or time, make the hub keep a number the log never
// reaches, and raise a false "went back" at the node's next upload.
struct ReportedAuditHead {
  std::int64_t seq = 0;
  Bytes hash;       // BLAKE2b-256 of the entry (32 bytes)
  Bytes signature;  // Ed25519 of `hash` by the node's key (64 bytes)
  // Ed25519 of AuditHeadStatement(...) by the node's key (64 bytes); empty
  // from nodes before it (JSON "statement_signature", absent).
  Bytes statement_signature;
};

// The bytes a node signs to vouch for the head it reports with a batch:
// "akari-audit-head/1\n" node_id "\n" seq "\n" hex(hash) "\n" sent_at as
// Unix seconds (the precision the protocol carries it in).
Bytes AuditHeadStatement(std::string_view node_id, std::int64_t seq, ByteSpan hash, TimePoint sent_at);

struct UploadBatch {
  std::string node_id;
  TimePoint sent_at;  // the node's clock when it sent the batch (for skew)
  std::vector<UploadedCheck> checks;
  std::optional<ReportedAuditHead> audit_head;  // absent from nodes before it, and for an empty log
};

nlohmann::json BatchToJson(const UploadBatch& batch);
// Error: SyncErrc::kInvalidArgument naming the bad field.
[[nodiscard]] Result<UploadBatch> BatchFromJson(const nlohmann::json& j);

// The hub's verdict on one check.
enum class Outcome {
  kConfirmed,          // the node's answer was right
  kDifferentCoverage,  // covered, but by other numbers than the node said (or the node said not covered)
  kNotCovered,         // no coverage on that date (loss date and reason given)
  kUnknownPerson,      // no person for what was presented
  kMatched,            // self-reported: exactly one person matched; their coverage given
  kNoMatch,            // self-reported: no single match (candidates are never listed)
  kSignatureInvalid,   // the check's signature does not verify with the node's enrolled key
  kMalformed,          // the check body is not a valid check
};

std::string_view OutcomeName(Outcome o);
std::optional<Outcome> ParseOutcome(std::string_view name);

// The national system's 資格有効性 code for an outcome: 1 有効, 2 無効,
// 3 無効(新しい資格あり), 4 該当資格なし; 0 when none applies (the check
// itself was rejected).
int QualificationValidity(Outcome o);

// What the clinic must do about a check, for the reconciliation report.
enum class Action {
  kNone,                  // confirmed
  kBillAnotherInsurer,    // different coverage, or a self-reported patient matched
  kPatientNotCovered,     // no coverage on the date of the visit
  kIdentityNotConfirmed,  // unknown person, no match, rejected signature or malformed
};
Action ActionFor(Outcome o);
std::string_view ActionName(Action a);

struct CheckAnswer {
  std::string check_id;
  Outcome outcome = Outcome::kMalformed;
  int qualification_validity = 0;
  std::optional<std::int64_t> person_id;    // for kMatched and where the node already knew it
  nlohmann::json coverage = nullptr;        // the coverage in force at the evaluated time
  nlohmann::json ended_coverage = nullptr;  // kNotCovered: the last coverage, with its end date and reason
  std::string detail;                       // for staff; no other person's data
  std::string evaluated_at;                 // RFC 3339: the check time the hub used (after skew correction)
  std::int64_t clock_skew_seconds = 0;      // hub time minus node time at upload
  bool repeated = false;                    // the hub had answered this check before (same answer)
};

nlohmann::json AnswerToJson(const CheckAnswer& a);
[[nodiscard]] Result<CheckAnswer> AnswerFromJson(const nlohmann::json& j);

struct UploadResponse {
  std::vector<CheckAnswer> answers;  // one per uploaded check, same order
};

nlohmann::json ResponseToJson(const UploadResponse& r);
[[nodiscard]] Result<UploadResponse> ResponseFromJson(const nlohmann::json& j);

}  // namespace akari::sync::reconcile
