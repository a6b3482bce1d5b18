#include "sync/hub/checks.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "base/log.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "sync/errors.h"
#include "sync/hub/nodes.h"
#include "sync/hub/routes.h"
#include "sync/reconcile/answer.h"

namespace akari::sync::hub {
namespace {

namespace rc = reconcile;

class StoreDirectory final : public rc::PersonDirectory {
 public:
  explicit StoreDirectory(HubStore& store) : store_(store) {}
  // Answering a check reads a candidate while narrowing and again for its
  // coverage: records are kept for the batch this directory serves.
  Result<std::optional<PersonRecord>> Get(std::int64_t id) override {
    if (auto it = records_.find(id); it != records_.end()) return it->second;
    AKARI_ASSIGN_OR_RETURN(std::optional<PersonRecord> record, store_.ReadPerson(id));
    records_.emplace(id, record);
    return record;
  }
  Result<std::vector<std::int64_t>> FindByCardKey(const crypto::Hash16& key) override {
    return store_.FindByCardKey(key);
  }
  Result<std::vector<std::int64_t>> FindByInsuranceKey(const crypto::Hash16& key) override {
    return store_.FindByInsuranceKey(key);
  }
  Result<std::vector<std::int64_t>> FindByName(Date birth_date, std::string_view kana_key) override {
    return store_.FindByName(birth_date, kana_key);
  }

 private:
  HubStore& store_;
  std::map<std::int64_t, std::optional<PersonRecord>> records_;
};

Result<NodeInfo> UploadingNode(HubStore& store, const std::string& node_id) {
  AKARI_ASSIGN_OR_RETURN(std::vector<NodeInfo> nodes, ListNodes(store));
  for (NodeInfo& n : nodes) {
    if (n.node_id != node_id) continue;
    if (n.removed_at) {
      return MakeError(SyncErrc::kUnknownKey,
                       "node " + node_id + " was removed from this hub on " + FormatUtc(*n.removed_at) +
                           "; its checks are not accepted. List them on the node (akari checks list "
                           "--pending --json) and reconcile them by hand");
    }
    if (n.signing_public_key) return n;
  }
  return MakeError(SyncErrc::kUnknownKey, "node " + node_id +
                                              " is not enrolled at this hub; enroll it (akari-hub node add, then "
                                              "akari enroll) or upload to the hub it is enrolled at");
}

// A node numbers its checks "<node id>-<seq>" (node/checks/check_queue.cc).
bool IsNodesCheckId(std::string_view check_id, std::string_view node_id) {
  return check_id.size() > node_id.size() + 1 && check_id.starts_with(node_id) && check_id[node_id.size()] == '-';
}

rc::CheckAnswer ForeignCheckId(const std::string& check_id, const std::string& node_id) {
  rc::CheckAnswer a;
  a.check_id = check_id;
  a.outcome = rc::Outcome::kMalformed;
  a.detail = "check id " + check_id + " does not belong to node " + node_id + " (its checks are numbered " + node_id +
             "-<n>); it was not recorded. Report this node to the regional office";
  return a;
}

Bytes BodyHash(std::string_view body) {
  const crypto::Hash32 h = crypto::Blake2b256(AsBytes(body));
  return Bytes(h.begin(), h.end());
}

// Keeps the highest audit head a node reported (NodeAuditHead). One whose
// signatures do not verify is not the node's and changes nothing; nor is
// one without the node's statement from a node that has signed one before
// (a downgrade is what a forger would try). One below what is kept, from a
// batch the node sent later than the kept one's, or the same number with
// another hash, is noted as the log having gone back, and the kept one
// stays. A lower head from a batch sent earlier is only late (akari sync
// and akari serve upload from two processes, and their batches may cross
// on the way).
//
// Heads without a statement (nodes before it) could have been posted by
// anyone with an export of the log, under any number and time. So the
// first statement a node sends replaces such a kept head whatever its
// number, and drops a "went back" noted from unsigned heads (both logged);
// and a batch's time counts at most as the hub's own, so that neither a
// forged time nor a node clock running ahead can make later real heads look
// "late" for years.
Status RecordAuditHead(db::Database& db, const std::string& node_id, const rc::ReportedAuditHead& head,
                       TimePoint sent_at, const crypto::Ed25519PublicKey& key, TimePoint now) {
  const bool has_statement = !head.statement_signature.empty();
  const bool statement_ok =
      !has_statement ||
      crypto::Verify(key, rc::AuditHeadStatement(node_id, head.seq, head.hash, sent_at), head.statement_signature);
  if (!statement_ok || !crypto::Verify(key, head.hash, head.signature)) {
    Log(LogLevel::kWarn, "hub.audit_head_not_signed", {{"node_id", node_id}, {"seq", head.seq}});
    return {};
  }
  // The protocol carries seconds.
  const std::int64_t sent_s = std::min(ToUnixSeconds(sent_at), ToUnixSeconds(now));
  AKARI_ASSIGN_OR_RETURN(db::Statement find,
                         db.Prepare("SELECT seq, hash, sent_at, statement_signed, went_back_to FROM node_audit_head "
                                    "WHERE node_id = ?"));
  find.Bind(1, node_id);
  AKARI_ASSIGN_OR_RETURN(bool found, find.Step());
  bool replaces_unsigned = false;
  if (found) {
    const std::int64_t kept = find.ColumnInt(0);
    const ByteSpan kept_hash = find.ColumnBlob(1);
    const bool same_hash = std::equal(kept_hash.begin(), kept_hash.end(), head.hash.begin(), head.hash.end());
    const bool sent_earlier = sent_s <= find.ColumnInt(2);
    const bool node_signs_statements = find.ColumnInt(3) != 0;
    const std::optional<std::int64_t> went_back_to =
        find.ColumnIsNull(4) ? std::nullopt : std::optional<std::int64_t>(find.ColumnInt(4));
    find.Reset();
    if (node_signs_statements && !has_statement) {
      Log(LogLevel::kWarn, "hub.audit_head_not_signed",
          {{"node_id", node_id}, {"seq", head.seq}, {"reason", "no statement from a node that signs them"}});
      return {};
    }
    replaces_unsigned = has_statement && !node_signs_statements;
    if (replaces_unsigned) {
      if (head.seq < kept || went_back_to) {
        // went_back_to -1: none was noted.
        Log(LogLevel::kWarn, "hub.audit_head_unsigned_replaced",
            {{"node_id", node_id},
             {"kept", kept},
             {"reported", head.seq},
             {"went_back_to", went_back_to.value_or(-1)}});
      }
    } else {
      if (head.seq == kept && same_hash) return {};
      if (head.seq < kept && sent_earlier) return {};
      if (head.seq <= kept) {
        Log(LogLevel::kWarn, "hub.audit_head_went_back",
            {{"node_id", node_id}, {"kept", kept}, {"reported", head.seq}});
        AKARI_ASSIGN_OR_RETURN(
            db::Statement mark,
            db.Prepare("UPDATE node_audit_head SET went_back_at = ?, went_back_to = ? WHERE node_id = ?"));
        return mark.Bind(1, ToUnixSeconds(now)).Bind(2, head.seq).Bind(3, node_id).Run();
      }
    }
  }
  // Otherwise the went_back columns stay as they are: once a log went
  // back, the regional office must hear of it.
  AKARI_ASSIGN_OR_RETURN(
      db::Statement keep,
      db.Prepare(!found ? "INSERT INTO node_audit_head(node_id, seq, hash, signature, sent_at, received_at, "
                          "statement_signed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                 : replaces_unsigned
                     ? "UPDATE node_audit_head SET seq = ?2, hash = ?3, signature = ?4, sent_at = ?5, "
                       "received_at = ?6, statement_signed = ?7, went_back_at = NULL, went_back_to = NULL "
                       "WHERE node_id = ?1"
                     : "UPDATE node_audit_head SET seq = ?2, hash = ?3, signature = ?4, sent_at = ?5, "
                       "received_at = ?6, statement_signed = max(statement_signed, ?7) WHERE node_id = ?1"));
  return keep.Bind(1, node_id)
      .Bind(2, head.seq)
      .BindBlob(3, head.hash)
      .BindBlob(4, head.signature)
      .Bind(5, sent_s)
      .Bind(6, ToUnixSeconds(now))
      .Bind(7, std::int64_t{has_statement ? 1 : 0})
      .Run();
}

}  // namespace

Result<rc::UploadResponse> AnswerUpload(HubStore& store, const rc::UploadBatch& batch, const Clock& clock) {
  if (batch.checks.size() > rc::kMaxBatchChecks) {
    return MakeError(SyncErrc::kInvalidArgument, "a batch holds at most " + std::to_string(rc::kMaxBatchChecks) +
                                                     " checks; this one holds " + std::to_string(batch.checks.size()));
  }
  std::set<std::string_view> ids;
  for (const rc::UploadedCheck& c : batch.checks) {
    if (!ids.insert(c.id).second) {
      return MakeError(SyncErrc::kInvalidArgument, "check " + c.id + " appears twice in the batch");
    }
  }
  AKARI_ASSIGN_OR_RETURN(NodeInfo node, UploadingNode(store, batch.node_id));
  rc::AnswerContext context{batch.node_id, *node.signing_public_key, clock.Now(), batch.sent_at};
  StoreDirectory directory(store);
  db::Database& db = store.database();

  // Durable: the node drops a check from its queue once it has the answer,
  // so the answer must survive a power cut the moment it is sent.
  AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db, /*durable=*/true));
  AKARI_ASSIGN_OR_RETURN(db::Statement find,
                         db.Prepare("SELECT body_hash, answer FROM hub_check WHERE node_id = ? AND check_id = ?"));
  AKARI_ASSIGN_OR_RETURN(db::Statement insert,
                         db.Prepare("INSERT INTO hub_check(check_id, node_id, body_hash, body, signature, received_at, "
                                    "outcome, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  rc::UploadResponse response;
  std::int64_t fresh = 0, repeated = 0, rejected = 0;
  for (const rc::UploadedCheck& check : batch.checks) {
    if (!IsNodesCheckId(check.id, batch.node_id)) {
      // Not recorded: another node's id would otherwise be taken before
      // that node's real check arrives, and the real one refused.
      response.answers.push_back(ForeignCheckId(check.id, batch.node_id));
      ++rejected;
      continue;
    }
    const Bytes hash = BodyHash(check.body);
    find.Reset();
    find.Bind(1, batch.node_id).Bind(2, check.id);
    AKARI_ASSIGN_OR_RETURN(bool found, find.Step());
    if (found) {
      const ByteSpan stored_hash = find.ColumnBlob(0);
      if (std::equal(stored_hash.begin(), stored_hash.end(), hash.begin(), hash.end())) {
        const auto stored = nlohmann::json::parse(find.ColumnText(1), nullptr, false);
        AKARI_ASSIGN_OR_RETURN(rc::CheckAnswer first, rc::AnswerFromJson(stored));
        first.repeated = true;
        response.answers.push_back(std::move(first));
        ++repeated;
        continue;
      }
      // Same id, other content: never replace what was recorded.
      rc::CheckAnswer conflict;
      conflict.check_id = check.id;
      conflict.outcome = rc::Outcome::kMalformed;
      conflict.detail =
          "a different check was already recorded under this id; the first one stands. Report this node to the "
          "regional office";
      response.answers.push_back(std::move(conflict));
      ++rejected;
      continue;
    }
    AKARI_ASSIGN_OR_RETURN(rc::CheckAnswer answer, rc::AnswerCheck(check, context, directory));
    if (answer.outcome == rc::Outcome::kSignatureInvalid) {
      // Not the node's: recording it would let a forgery take the id of the real check.
      response.answers.push_back(std::move(answer));
      ++rejected;
      continue;
    }
    insert.Reset();
    AKARI_TRY(insert.Bind(1, check.id)
                  .Bind(2, batch.node_id)
                  .BindBlob(3, hash)
                  .Bind(4, check.body)
                  .BindBlob(5, check.signature)
                  .Bind(6, ToUnixSeconds(context.hub_now))
                  .Bind(7, rc::OutcomeName(answer.outcome))
                  .Bind(8, rc::AnswerToJson(answer).dump())
                  .Run());
    response.answers.push_back(std::move(answer));
    ++fresh;
  }
  if (batch.audit_head) {
    AKARI_TRY(RecordAuditHead(db, batch.node_id, *batch.audit_head, batch.sent_at, *node.signing_public_key,
                              context.hub_now));
  }
  AKARI_TRY(tx.Commit());
  Log(LogLevel::kInfo, "hub.checks_answered",
      {{"node_id", batch.node_id}, {"new", fresh}, {"repeated", repeated}, {"rejected", rejected}});
  return response;
}

Result<CheckCounts> CountRecordedChecks(HubStore& store) {
  AKARI_ASSIGN_OR_RETURN(
      db::Statement s,
      store.database().Prepare("SELECT node_id, outcome, count(*) FROM hub_check GROUP BY node_id, outcome"));
  CheckCounts counts;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::int64_t n = s.ColumnInt(2);
    counts.by_node[s.ColumnText(0)][s.ColumnText(1)] = n;
    counts.total += n;
  }
  return counts;
}

Result<std::map<std::string, NodeAuditHead>> NodeAuditHeads(HubStore& store) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("SELECT node_id, seq, hash, received_at, went_back_at, went_back_to, "
                                                  "statement_signed FROM node_audit_head"));
  std::map<std::string, NodeAuditHead> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    NodeAuditHead& h = out[s.ColumnText(0)];
    h.seq = s.ColumnInt(1);
    const ByteSpan hash = s.ColumnBlob(2);
    h.hash.assign(hash.begin(), hash.end());
    h.received_at = FromUnixSeconds(s.ColumnInt(3));
    if (!s.ColumnIsNull(4)) h.went_back_at = FromUnixSeconds(s.ColumnInt(4));
    if (!s.ColumnIsNull(5)) h.went_back_to = s.ColumnInt(5);
    h.statement_signed = s.ColumnInt(6) != 0;
  }
  return out;
}

void AddCheckRoutes(net::Router& router, HubApiContext& context) {
  router.Add("POST", "/v1/checks", [&context](const net::Request& request) {
    const auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return net::Response::Error(400, "bad_request", "the body is not JSON");
    auto batch = rc::BatchFromJson(body);
    if (!batch) return net::Response::Error(400, "bad_request", batch.error().message);
    auto answered = AnswerUpload(context.stores->ForWorker(request.worker), *batch, *context.clock);
    if (!answered) {
      const Error& e = answered.error();
      if (e.code == SyncErrc::kUnknownKey) return net::Response::Error(403, "unknown_node", e.message);
      if (e.code == SyncErrc::kInvalidArgument) return net::Response::Error(400, "bad_request", e.message);
      Log(LogLevel::kError, "hub.checks_failed", {{"node_id", batch->node_id}, {"error", e.message}});
      return net::Response::Error(500, "internal", "the hub could not record the checks; the node will retry");
    }
    return net::Response::Json(200, rc::ResponseToJson(*answered));
  });
}

}  // namespace akari::sync::hub
