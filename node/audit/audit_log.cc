#include "node/audit/audit_log.h"

#include <algorithm>

#include "base/json_text.h"
#include "base/strings.h"
#include "crypto/hash.h"
#include "node/store/meta_keys.h"
#include "sync/db/errors.h"

namespace akari::node {

crypto::Hash32 AuditEntryHash(ByteSpan prev_hash, std::string_view body) {
  crypto::Blake2b256Hasher h;
  h.Update(AsBytes("akari-audit/1"));
  h.Update(prev_hash);
  h.Update(AsBytes(body));
  return h.Finish();
}

std::optional<AuditSignatureCoverage::Problem> AuditSignatureCoverage::Add(std::int64_t seq, const nlohmann::json& body,
                                                                           const crypto::Hash32& hash,
                                                                           std::optional<ByteSpan> signature) {
  if (!signature) {
    if (unsigned_from_ == 0) unsigned_from_ = seq;
    return std::nullopt;
  }
  if (!crypto::Verify(key_, hash, *signature)) {
    if (unsigned_from_ == 0) return Problem{seq, "entry " + std::to_string(seq) + " " + bad_signature_};
    return Problem{unsigned_from_, "entries " + std::to_string(unsigned_from_) + " to " + std::to_string(seq) +
                                       " are not vouched for: the signature of entry " + std::to_string(seq) +
                                       ", which covers them, is not by the node key (one of them was changed and "
                                       "the hashes after it recomputed, or the signature was replaced)"};
  }
  // A valid signature: what it vouches for is named in the signed body.
  const auto from = body.find("signed_from");
  if (unsigned_from_ != 0 && from != body.end()) {
    const std::int64_t first = from->is_number_integer() ? from->get<std::int64_t>() : seq + 1;
    if (unsigned_from_ < first || first > seq) {
      const std::int64_t last = std::min(first, seq) - 1;
      return Problem{unsigned_from_, "entries " + std::to_string(unsigned_from_) + " to " + std::to_string(last) +
                                         " are not signed, and the signature of entry " + std::to_string(seq) +
                                         " vouches only for its own write (from entry " + std::to_string(first) +
                                         "): they were added or rewritten without the node's key"};
    }
  }
  unsigned_from_ = 0;
  return std::nullopt;
}

std::optional<AuditSignatureCoverage::Problem> AuditSignatureCoverage::Finish(std::int64_t last_seq,
                                                                              std::string_view what) const {
  if (unsigned_from_ == 0) return std::nullopt;
  return Problem{unsigned_from_, "entries " + std::to_string(unsigned_from_) + " to " + std::to_string(last_seq) +
                                     " are not signed, but the newest entry of " + std::string(what) +
                                     " always is: entries were added without the node's key, or signed ones cut "
                                     "off the end"};
}

Result<std::optional<SignedAuditHead>> AuditLog::SignedHead() {
  AKARI_ASSIGN_OR_RETURN(
      store::Statement s,
      store_.database().Prepare("SELECT seq, hash, signature FROM audit_log ORDER BY seq DESC LIMIT 1"));
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<SignedAuditHead>();
  SignedAuditHead head;
  head.seq = s.ColumnInt(0);
  const ByteSpan hash = s.ColumnBlob(1);
  const ByteSpan signature = s.ColumnBlob(2);
  if (hash.size() != head.hash.size() || signature.size() != head.signature.size()) {
    return std::optional<SignedAuditHead>();
  }
  std::copy(hash.begin(), hash.end(), head.hash.begin());
  std::copy(signature.begin(), signature.end(), head.signature.begin());
  return std::optional<SignedAuditHead>(head);
}

Result<AuditHead> AuditLog::Head() {
  if (!head_statement_) {
    AKARI_ASSIGN_OR_RETURN(head_statement_,
                           store_.database().Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  }
  store::Statement& s = *head_statement_;
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  AuditHead head{0, {}};
  if (row) {
    head.first = s.ColumnInt(0);
    const ByteSpan h = s.ColumnBlob(1);
    if (h.size() == head.second.size()) std::copy(h.begin(), h.end(), head.second.begin());
  }
  s.Reset();
  return head;
}

Result<std::int64_t> AuditLog::Append(const AuditEvent& event) {
  const AuditEvent* one = &event;
  return AppendBatch(std::span(&one, 1));
}

SealedAuditBatch AuditLog::Seal(std::span<const AuditEvent* const> events, const AuditHead& head,
                                std::span<const std::optional<TimePoint>> at) const {
  SealedAuditBatch batch;
  batch.follows = head;
  batch.at = clock_.Now();
  batch.entries.reserve(events.size());
  const std::string batch_at_text = FormatUtc(batch.at);
  std::int64_t seq = head.first;
  const std::int64_t last = head.first + static_cast<std::int64_t>(events.size());
  crypto::Hash32 prev = head.second;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const AuditEvent* event = events[i];
    ++seq;
    const bool own_time = i < at.size() && at[i].has_value();
    SealedAuditBatch::Entry& entry = batch.entries.emplace_back();
    entry.at = own_time ? *at[i] : batch.at;
    // Canonical: the members in byte order of their keys, written as
    // nlohmann's dump() writes the same object (JsonText's contract), with
    // invalid UTF-8 (never expected: the fields come from parsed JSON and
    // from ids) replaced, not thrown. Written directly rather than built as
    // a tree first: the writer seals one entry per record opened.
    entry.body.reserve(160);
    JsonText body(entry.body);
    body.BeginObject();
    body.Key("actor").String(event->actor);
    body.Key("at").String(own_time ? FormatUtc(*at[i]) : batch_at_text);
    body.Key("detail").Tree(event->detail);
    body.Key("event").String(event->event);
    body.Key("person_id");
    if (event->person_id) {
      body.Int(*event->person_id);
    } else {
      body.Null();
    }
    body.Key("seq").Int(seq);
    // The signed entry names the first entry of its write: its signature
    // vouches for those entries and no earlier unsigned ones.
    if (seq == last) body.Key("signed_from").Int(head.first + 1);
    body.EndObject();
    entry.hash = AuditEntryHash(prev, entry.body);
    prev = entry.hash;
  }
  // One signature for the batch: the last hash covers every entry before it.
  if (!batch.entries.empty()) batch.entries.back().signature = crypto::Sign(signing_key_, batch.entries.back().hash);
  return batch;
}

Result<std::int64_t> AuditLog::AppendBatch(std::span<const AuditEvent* const> events, const SealedAuditBatch* sealed,
                                           AuditHead* head_after, std::span<const std::optional<TimePoint>> at) {
  store::Database& db = store_.database();
  std::optional<store::Transaction> own;
  if (!db.InTransaction()) {
    AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    own.emplace(std::move(tx));
  }
  if (!insert_statement_) {
    AKARI_ASSIGN_OR_RETURN(insert_statement_,
                           db.Prepare("INSERT INTO audit_log(seq, at, event, body, prev_hash, hash, signature) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  }
  // The head is read inside the transaction, so no other writer can slip
  // an entry in between.
  AKARI_ASSIGN_OR_RETURN(const AuditHead head, Head());
  std::optional<SealedAuditBatch> resealed;
  if (sealed == nullptr || sealed->follows != head || sealed->entries.size() != events.size()) {
    resealed = Seal(events, head, at);
    sealed = &*resealed;
  }
  std::int64_t seq = head.first;
  const crypto::Hash32* prev = &head.second;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const SealedAuditBatch::Entry& entry = sealed->entries[i];
    ++seq;
    AKARI_TRY(insert_statement_->Bind(1, seq)
                  .Bind(2, ToUnixSeconds(entry.at))
                  .Bind(3, events[i]->event)
                  .BindBlob(4, AsBytes(entry.body))
                  .BindBlob(5, *prev)
                  .BindBlob(6, entry.hash)
                  .BindBlob(7, entry.signature ? ByteSpan(*entry.signature) : ByteSpan())
                  .Run());
    prev = &entry.hash;
  }
  if (own) AKARI_TRY(own->Commit());
  if (head_after != nullptr) *head_after = sealed->head_after();
  return head.first + 1;
}

Result<AuditVerifyReport> AuditLog::Verify() {
  AKARI_ASSIGN_OR_RETURN(
      store::Statement s,
      store_.database().Prepare("SELECT seq, body, prev_hash, hash, signature, at, event FROM audit_log ORDER BY seq"));
  AuditVerifyReport report;
  crypto::Hash32 expected_prev{};
  std::int64_t expected_seq = 1;
  AuditSignatureCoverage coverage(public_key_, "has a signature that is not this node's");
  // The head last reported to the hub ("seq:hash", noted before it was
  // sent): the log must still hold that entry, unchanged. This catches a
  // log cut short or rewritten by someone who did not also edit the note;
  // the hub's own copy of the head is the check that needs no such luck.
  AKARI_ASSIGN_OR_RETURN(const std::optional<std::string> reported_text,
                         store_.GetMeta(store::meta::kAuditHeadReported));
  std::int64_t reported_seq = 0;
  std::string reported_hash;
  if (reported_text) {
    const std::size_t colon = reported_text->find(':');
    if (colon != std::string::npos) {
      reported_seq = ParseInt64(std::string_view(*reported_text).substr(0, colon)).value_or(0);
      reported_hash = reported_text->substr(colon + 1);
    }
  }
  auto fail = [&](std::int64_t seq, std::string problem) {
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
  };
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::int64_t seq = s.ColumnInt(0);
    const std::string body = ToString(s.ColumnBlob(1));
    const ByteSpan prev = s.ColumnBlob(2);
    const ByteSpan hash = s.ColumnBlob(3);
    const ByteSpan sig = s.ColumnBlob(4);
    ++report.entries;
    if (seq != expected_seq) {
      fail(expected_seq, "entry " + std::to_string(expected_seq) + " is missing (next present is " +
                             std::to_string(seq) + "): entries were deleted");
      break;
    }
    const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || parsed.value("seq", std::int64_t{-1}) != seq) {
      fail(seq, "entry " + std::to_string(seq) + " has a body that does not belong at this position");
      break;
    }
    // The `at` and `event` columns repeat the signed body for queries (a
    // restore finds the backup's time by them): they must say what it says.
    if (parsed.value("event", std::string()) != s.ColumnText(6) ||
        parsed.value("at", std::string()) != FormatUtc(FromUnixSeconds(s.ColumnInt(5)))) {
      fail(seq,
           "entry " + std::to_string(seq) + " was edited: its time or event column differs from its signed content");
      break;
    }
    if (!std::equal(prev.begin(), prev.end(), expected_prev.begin(), expected_prev.end())) {
      fail(seq, "entry " + std::to_string(seq) + " does not chain to entry " + std::to_string(seq - 1) +
                    ": entries were reordered, inserted or replaced");
      break;
    }
    const crypto::Hash32 computed = AuditEntryHash(prev, body);
    if (!std::equal(hash.begin(), hash.end(), computed.begin(), computed.end())) {
      fail(seq, "entry " + std::to_string(seq) + " was edited: its content does not match its hash");
      break;
    }
    // The store keeps an empty blob for an entry without a signature.
    if (auto problem = coverage.Add(seq, parsed, computed, sig.empty() ? std::nullopt : std::optional(sig))) {
      fail(problem->seq, std::move(problem->message));
      break;
    }
    if (seq == reported_seq && ToHex(computed) != reported_hash) {
      fail(seq, "entry " + std::to_string(seq) +
                    " is not the entry this node reported to its hub under that number: the log was rewritten "
                    "from there on");
      break;
    }
    expected_prev = computed;
    ++expected_seq;
  }
  s.Reset();
  if (report.ok()) {
    if (auto problem = coverage.Finish(expected_seq - 1, "a log")) fail(problem->seq, std::move(problem->message));
  }
  if (report.ok() && reported_seq > expected_seq - 1) {
    fail(expected_seq, "the log ends at entry " + std::to_string(expected_seq - 1) + ", but this node reported entry " +
                           std::to_string(reported_seq) + " to its hub: entries were cut off the end");
  }
  return report;
}

Status AuditLog::ExportJsonLines(std::ostream& out) {
  AKARI_ASSIGN_OR_RETURN(
      store::Statement s,
      store_.database().Prepare("SELECT body, prev_hash, hash, signature FROM audit_log ORDER BY seq"));
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    nlohmann::json line = nlohmann::json::parse(ToString(s.ColumnBlob(0)), nullptr, false);
    if (line.is_discarded()) line = nlohmann::json::object({{"unreadable_body", true}});
    line["prev_hash"] = ToHex(s.ColumnBlob(1));
    line["hash"] = ToHex(s.ColumnBlob(2));
    if (!s.ColumnBlob(3).empty()) line["signature"] = ToHex(s.ColumnBlob(3));
    out << line.dump() << '\n';
  }
  if (!out) return MakeError(db::DbErrc::kIo, "writing the audit export failed");
  return {};
}

}  // namespace akari::node
