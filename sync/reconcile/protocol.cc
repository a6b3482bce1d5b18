#include "sync/reconcile/protocol.h"

#include <algorithm>
#include <array>
#include <limits>

#include "sync/errors.h"
#include "sync/internal/json_fields.h"

namespace akari::sync::reconcile {
namespace {

using internal::JsonFields;

constexpr std::array<std::pair<Outcome, std::string_view>, 8> kOutcomes = {{
    {Outcome::kConfirmed, "confirmed"},
    {Outcome::kDifferentCoverage, "different_coverage"},
    {Outcome::kNotCovered, "not_covered"},
    {Outcome::kUnknownPerson, "unknown_person"},
    {Outcome::kMatched, "matched"},
    {Outcome::kNoMatch, "no_match"},
    {Outcome::kSignatureInvalid, "signature_invalid"},
    {Outcome::kMalformed, "malformed"},
}};

std::unexpected<Error> Invalid(const std::string& what) {
  return MakeError(SyncErrc::kInvalidArgument, "reconciliation message: " + what);
}

}  // namespace

Bytes CheckSigningInput(std::string_view body) {
  constexpr std::string_view kTag = "akari-check/1";
  Bytes out(kTag.size() + body.size());
  std::copy(kTag.begin(), kTag.end(), out.begin());
  std::copy(body.begin(), body.end(), out.begin() + static_cast<std::ptrdiff_t>(kTag.size()));
  return out;
}

Bytes AuditHeadStatement(std::string_view node_id, std::int64_t seq, ByteSpan hash, TimePoint sent_at) {
  const std::string text = "akari-audit-head/1\n" + std::string(node_id) + "\n" + std::to_string(seq) + "\n" +
                           ToHex(hash) + "\n" + std::to_string(ToUnixSeconds(sent_at));
  return Bytes(text.begin(), text.end());
}

std::string_view OutcomeName(Outcome o) {
  for (const auto& [v, n] : kOutcomes) {
    if (v == o) return n;
  }
  return "malformed";
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
  for (const auto& [v, n] : kOutcomes) {
    if (n == name) return v;
  }
  return std::nullopt;
}

int QualificationValidity(Outcome o) {
  switch (o) {
    case Outcome::kConfirmed:
    case Outcome::kMatched:
      return 1;
    case Outcome::kNotCovered:
      return 2;
    case Outcome::kDifferentCoverage:
      return 3;
    case Outcome::kUnknownPerson:
    case Outcome::kNoMatch:
      return 4;
    case Outcome::kSignatureInvalid:
    case Outcome::kMalformed:
      return 0;
  }
  return 0;
}

Action ActionFor(Outcome o) {
  switch (o) {
    case Outcome::kConfirmed:
      return Action::kNone;
    case Outcome::kDifferentCoverage:
    case Outcome::kMatched:
      return Action::kBillAnotherInsurer;
    case Outcome::kNotCovered:
      return Action::kPatientNotCovered;
    case Outcome::kUnknownPerson:
    case Outcome::kNoMatch:
    case Outcome::kSignatureInvalid:
    case Outcome::kMalformed:
      return Action::kIdentityNotConfirmed;
  }
  return Action::kIdentityNotConfirmed;
}

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kNone:
      return "none";
    case Action::kBillAnotherInsurer:
      return "bill_another_insurer";
    case Action::kPatientNotCovered:
      return "patient_not_covered";
    case Action::kIdentityNotConfirmed:
      return "identity_not_confirmed";
  }
  return "none";
}

nlohmann::json BatchToJson(const UploadBatch& batch) {
  nlohmann::json checks = nlohmann::json::array();
  for (const UploadedCheck& c : batch.checks) {
    checks.push_back({{"id", c.id}, {"body", c.body}, {"signature", ToHex(c.signature)}});
  }
  nlohmann::json out = {{"node_id", batch.node_id}, {"sent_at", FormatUtc(batch.sent_at)}, {"checks", checks}};
  if (batch.audit_head) {
    out["audit_head"] = {{"seq", batch.audit_head->seq},
                         {"hash", ToHex(batch.audit_head->hash)},
                         {"signature", ToHex(batch.audit_head->signature)}};
    if (!batch.audit_head->statement_signature.empty()) {
      out["audit_head"]["statement_signature"] = ToHex(batch.audit_head->statement_signature);
    }
  }
  return out;
}

Result<UploadBatch> BatchFromJson(const nlohmann::json& j) {
  JsonFields f(j, "");
  UploadBatch batch;
  batch.node_id = f.String("node_id", true, 64);
  const std::string sent = f.String("sent_at", true, 32);
  const nlohmann::json& checks = f.Array("checks", true, kMaxBatchChecks);
  if (!f.ok()) return Invalid(f.error());
  if (!ParseUtc(sent, batch.sent_at)) return Invalid("sent_at: not an RFC 3339 UTC time");
  for (std::size_t i = 0; i < checks.size(); ++i) {
    JsonFields fc(checks[i], "checks[" + std::to_string(i) + "]");
    UploadedCheck c;
    c.id = fc.String("id", true, 128);
    c.body = fc.String("body", true, 64 * 1024);
    const std::string sig = fc.String("signature", true, 256);
    if (!fc.ok()) return Invalid(fc.error());
    auto bytes = FromHex(sig);
    if (!bytes) return Invalid(fc.path() + ".signature: not hex");
    c.signature = std::move(*bytes);
    batch.checks.push_back(std::move(c));
  }
  if (const nlohmann::json* head = f.Find("audit_head"); head != nullptr && !head->is_null()) {
    if (!head->is_object()) return Invalid("audit_head: not an object");
    JsonFields fh(*head, "audit_head");
    ReportedAuditHead h;
    h.seq = fh.Int("seq", 1, std::numeric_limits<std::int64_t>::max());
    const std::string hash = fh.String("hash", true, 64);
    const std::string signature = fh.String("signature", true, 128);
    const std::string statement_signature = fh.String("statement_signature", false, 128);
    if (!fh.ok()) return Invalid(fh.error());
    auto hash_bytes = FromHex(hash);
    auto signature_bytes = FromHex(signature);
    if (!hash_bytes || hash_bytes->size() != 32) return Invalid("audit_head.hash: not 32 bytes of hex");
    if (!signature_bytes || signature_bytes->size() != 64) return Invalid("audit_head.signature: not 64 bytes of hex");
    h.hash = std::move(*hash_bytes);
    h.signature = std::move(*signature_bytes);
    if (fh.Find("statement_signature") != nullptr) {
      auto bytes = FromHex(statement_signature);
      if (!bytes || bytes->size() != 64) return Invalid("audit_head.statement_signature: not 64 bytes of hex");
      h.statement_signature = std::move(*bytes);
    }
    batch.audit_head = std::move(h);
  }
  return batch;
}

nlohmann::json AnswerToJson(const CheckAnswer& a) {
  return {{"check_id", a.check_id},
          {"outcome", OutcomeName(a.outcome)},
          {"qualification_validity", a.qualification_validity},
          {"person_id", a.person_id ? nlohmann::json(*a.person_id) : nlohmann::json(nullptr)},
          {"coverage", a.coverage},
          {"ended_coverage", a.ended_coverage},
          {"detail", a.detail},
          {"evaluated_at", a.evaluated_at},
          {"clock_skew_seconds", a.clock_skew_seconds},
          {"repeated", a.repeated}};
}

Result<CheckAnswer> AnswerFromJson(const nlohmann::json& j) {
  JsonFields f(j, "answer");
  CheckAnswer a;
  a.check_id = f.String("check_id", true, 128);
  const std::string outcome = f.String("outcome", true, 64);
  a.qualification_validity = static_cast<int>(f.Int("qualification_validity", 0, 9));
  if (const nlohmann::json* p = f.Find("person_id"); p != nullptr) a.person_id = f.Int("person_id", 1, INT64_MAX);
  if (const nlohmann::json* c = f.Find("coverage"); c != nullptr) a.coverage = *c;
  if (const nlohmann::json* c = f.Find("ended_coverage"); c != nullptr) a.ended_coverage = *c;
  a.detail = f.String("detail", false, 2048);
  a.evaluated_at = f.String("evaluated_at", false, 32);
  a.clock_skew_seconds = f.Int("clock_skew_seconds", INT64_MIN / 2, INT64_MAX / 2, false);
  a.repeated = f.Bool("repeated");
  if (!f.ok()) return Invalid(f.error());
  auto parsed = ParseOutcome(outcome);
  if (!parsed) return Invalid("answer.outcome: unknown value '" + outcome + "'");
  a.outcome = *parsed;
  return a;
}

nlohmann::json ResponseToJson(const UploadResponse& r) {
  nlohmann::json answers = nlohmann::json::array();
  for (const CheckAnswer& a : r.answers) answers.push_back(AnswerToJson(a));
  return {{"answers", answers}};
}

Result<UploadResponse> ResponseFromJson(const nlohmann::json& j) {
  JsonFields f(j, "");
  const nlohmann::json& answers = f.Array("answers", true, kMaxBatchChecks);
  if (!f.ok()) return Invalid(f.error());
  UploadResponse r;
  for (const nlohmann::json& a : answers) {
    AKARI_ASSIGN_OR_RETURN(CheckAnswer answer, AnswerFromJson(a));
    r.answers.push_back(std::move(answer));
  }
  return r;
}

}  // namespace akari::sync::reconcile
