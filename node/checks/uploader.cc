#include "node/checks/uploader.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <unordered_map>

#include "base/log.h"
#include "base/strings.h"
#include "node/store/meta_keys.h"
#include "sync/errors.h"

namespace akari::node {

namespace rc = sync::reconcile;

namespace {

// Crash tests (docs/cli.md): AKARI_TEST_SYNC_STOP=POINT[:N] kills the
// process with SIGKILL the N-th time it reaches POINT: `checks-answered`
// (the hub answered a batch, nothing recorded yet) or `checks-recorded`
// (a batch's answers committed). Unset, it costs one getenv per process.
void TestCheckpoint(std::string_view at) {
  static const auto stop = []() -> std::pair<std::string, std::int64_t> {
    const char* spec = std::getenv("AKARI_TEST_SYNC_STOP");
    if (spec == nullptr) return {};
    std::string point(spec);
    std::int64_t count = 1;
    if (const std::size_t colon = point.find(':'); colon != std::string::npos) {
      count = ParseInt64(point.substr(colon + 1)).value_or(1);
      point.resize(colon);
    }
    return {point, count};
  }();
  static std::atomic<std::int64_t> seen{0};
  if (!stop.first.empty() && at == stop.first && ++seen == stop.second) ::kill(::getpid(), SIGKILL);
}

}  // namespace

std::expected<rc::UploadResponse, CheckTransport::Failure> HttpCheckTransport::Send(const rc::UploadBatch& batch) {
  auto response = client_.PostJson(net::JoinUrl(hub_url_, "v1/checks"), rc::BatchToJson(batch));
  if (!response) return std::unexpected(Failure{response.error(), true});
  if (response->status != 200) {
    const auto body = nlohmann::json::parse(response->body, nullptr, false);
    std::string reason = "HTTP " + std::to_string(response->status);
    if (body.is_object() && body.contains("error") && body["error"].is_object()) {
      reason += ": " + body["error"].value("message", std::string());
    }
    return std::unexpected(Failure{Error{sync::SyncErrc::kHttp, "the hub refused the check upload (" + reason + ")"},
                                   response->status >= 500 || response->status == 429});
  }
  const auto body = nlohmann::json::parse(response->body, nullptr, false);
  auto parsed = rc::ResponseFromJson(body);
  if (!parsed) {
    return std::unexpected(
        Failure{Error{sync::SyncErrc::kHttp, "the hub's answer is malformed: " + parsed.error().message}, true});
  }
  return *parsed;
}

CheckUploader::CheckUploader(store::Store& store, CheckQueue& queue, AuditLog& audit,
                             const crypto::SecretBuffer& signing_key, CheckTransport& transport, const Clock& clock,
                             std::string node_id, UploadPolicy policy, Sleep sleep)
    : store_(store),
      queue_(queue),
      audit_(audit),
      signing_key_(signing_key),
      transport_(transport),
      clock_(clock),
      node_id_(std::move(node_id)),
      policy_(policy),
      sleep_(std::move(sleep)) {}

std::chrono::milliseconds CheckUploader::BackoffDelay(int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto shift = std::min(attempt - 1, 20);
  const auto full = std::min<std::int64_t>(policy_.max_backoff.count(), policy_.initial_backoff.count() << shift);
  std::uniform_int_distribution<std::int64_t> jitter(full / 2, std::max<std::int64_t>(full, 1));
  return std::chrono::milliseconds(jitter(rng));
}

Result<std::vector<CheckRecord>> CheckUploader::NextBatch() {
  AKARI_ASSIGN_OR_RETURN(std::vector<CheckRecord> pending, queue_.Pending(policy_.batch_checks));
  std::size_t bytes = 0;
  std::size_t keep = 0;
  for (const CheckRecord& c : pending) {
    bytes += c.body.size() + c.signature.size() * 2 + 64;
    if (keep > 0 && bytes > policy_.batch_bytes) break;
    ++keep;
  }
  pending.resize(keep);
  return pending;
}

Status CheckUploader::RecordAnswers(const std::vector<CheckRecord>& batch, const rc::UploadResponse& response,
                                    UploadSummary& summary) {
  std::unordered_map<std::string, std::int64_t> seq_by_id;
  for (const CheckRecord& c : batch) seq_by_id[c.id] = c.seq;
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(store_.database(), /*durable=*/true));
  AKARI_ASSIGN_OR_RETURN(store::Statement result,
                         store_.database().Prepare("INSERT OR IGNORE INTO check_result(check_seq, received_at, "
                                                   "outcome, body) VALUES (?, ?, ?, ?)"));
  AKARI_ASSIGN_OR_RETURN(store::Statement ack,
                         store_.database().Prepare("INSERT OR IGNORE INTO check_upload(check_seq, acknowledged_at) "
                                                   "VALUES (?, ?)"));
  const std::int64_t now = ToUnixSeconds(clock_.Now());
  std::map<std::string, std::int64_t> counts;
  std::int64_t recorded = 0;
  for (const rc::CheckAnswer& answer : response.answers) {
    auto it = seq_by_id.find(answer.check_id);
    if (it == seq_by_id.end()) continue;  // not ours in this batch: ignore rather than trust
    const std::string body = rc::AnswerToJson(answer).dump();
    AKARI_TRY(result.Bind(1, it->second)
                  .Bind(2, now)
                  .Bind(3, rc::OutcomeName(answer.outcome))
                  .BindBlob(4, AsBytes(body))
                  .Run());
    AKARI_TRY(ack.Bind(1, it->second).Bind(2, now).Run());
    ++counts[std::string(rc::OutcomeName(answer.outcome))];
    ++recorded;
    seq_by_id.erase(it);
  }
  nlohmann::json detail = {{"answered", recorded}, {"outcomes", counts}};
  AKARI_TRY(audit_.Append({"checks.reconciled", "system", std::nullopt, detail}));
  AKARI_TRY(tx.Commit());
  summary.uploaded += recorded;
  for (const auto& [k, v] : counts) summary.outcomes[k] += v;
  return {};
}

Result<std::optional<SignedAuditHead>> CheckUploader::DurableSignedHead() {
  // Record openings commit their entries without a sync (docs/store.md):
  // a head reported before it is on disk could be lost in a power cut,
  // and the hub would then see a log that went back. A synced commit
  // makes every entry before it durable; this one also notes the head
  // reported, for whoever reads the store later. A head already noted
  // was durable then: retries while the hub is down write nothing.
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(store_.database(), /*durable=*/true));
  AKARI_ASSIGN_OR_RETURN(auto head, audit_.SignedHead());
  if (!head) return head;
  const std::string noted = std::to_string(head->seq) + ":" + ToHex(head->hash);
  AKARI_ASSIGN_OR_RETURN(auto reported, store_.GetMeta(store::meta::kAuditHeadReported));
  if (reported != noted) AKARI_TRY(store_.SetMeta(store::meta::kAuditHeadReported, noted));
  AKARI_TRY(tx.Commit());
  return head;
}

Result<UploadSummary> CheckUploader::UploadPending(const std::atomic<bool>* cancel) {
  UploadSummary summary;
  for (;;) {
    if (cancel != nullptr && cancel->load()) return MakeError(sync::SyncErrc::kCancelled, "check upload stopped");
    AKARI_ASSIGN_OR_RETURN(std::vector<CheckRecord> batch, NextBatch());
    if (batch.empty()) break;
    rc::UploadBatch request;
    request.node_id = node_id_;
    for (const CheckRecord& c : batch) request.checks.push_back({c.id, c.body, c.signature});
    for (int attempt = 1;; ++attempt) {
      // The hub keeps the highest head it receives, the record that an
      // audit log cut short later no longer reaches (docs/reconcile.md).
      // Read with each attempt: the hub orders heads by `sent_at`.
      AKARI_ASSIGN_OR_RETURN(auto head, DurableSignedHead());
      request.sent_at = clock_.Now();
      if (head) {
        // The entry's signature covers its hash alone; the statement vouches
        // for the number and the time as well (rc::ReportedAuditHead).
        const crypto::Ed25519Signature statement =
            crypto::Sign(signing_key_, rc::AuditHeadStatement(node_id_, head->seq, head->hash, request.sent_at));
        request.audit_head = rc::ReportedAuditHead{head->seq, Bytes(head->hash.begin(), head->hash.end()),
                                                   Bytes(head->signature.begin(), head->signature.end()),
                                                   Bytes(statement.begin(), statement.end())};
      }
      auto response = transport_.Send(request);
      if (response) {
        TestCheckpoint("checks-answered");
        const std::int64_t before = summary.uploaded;
        AKARI_TRY(RecordAnswers(batch, *response, summary));
        TestCheckpoint("checks-recorded");
        ++summary.batches;
        if (summary.uploaded == before) {
          return MakeError(sync::SyncErrc::kHttp,
                           "the hub answered none of " + std::to_string(batch.size()) + " checks; they stay queued");
        }
        break;
      }
      const bool give_up = !response.error().retryable ||
                           (policy_.max_attempts > 0 && attempt >= policy_.max_attempts) ||
                           (cancel != nullptr && cancel->load());
      Log(LogLevel::kWarn, "checks.upload_failed",
          {{"attempt", attempt},
           {"batch", static_cast<std::int64_t>(batch.size())},
           {"reason", response.error().error.message}});
      if (give_up) {
        AKARI_ASSIGN_OR_RETURN(store::StoreCounts counts, store_.Counts());
        summary.still_pending = counts.checks_pending;
        Error e = response.error().error;
        e.message += "; " + std::to_string(summary.still_pending) + " checks stay queued" +
                     (response.error().retryable ? " and will be sent when the hub is reachable again"
                                                 : ": the hub refuses them, so retrying will not help until what it "
                                                   "says is fixed");
        return std::unexpected(std::move(e));
      }
      sleep_(BackoffDelay(attempt));
    }
  }
  return summary;
}

}  // namespace akari::node
