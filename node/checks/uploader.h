// Uploads the check queue to the hub and records its answers (the node's
// half of reconciliation, ARCHITECTURE.md section 7):
//   - pending checks go in batches bounded by count and bytes, oldest first;
//   - an answer is stored beside its check (check_result) and the check is
//     marked acknowledged (check_upload) in one durable transaction, only
//     after the hub has answered: the hub commits before it answers, and it
//     answers a repeated check id with its first answer, so a lost response
//     or a crash between send and record is simply sent again;
//   - transport failures and 5xx answers are retried with exponential
//     backoff and jitter; a 4xx answer stops (it would fail again).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/keys.h"
#include "node/audit/audit_log.h"
#include "node/checks/check_queue.h"
#include "sync/net/http_client.h"
#include "sync/reconcile/protocol.h"

namespace akari::node {

// Delivers one batch and returns the hub's answers. Errors carry SyncErrc:
// kUnreachable/kTimeout (retry), kHttp (see `retryable`).
class CheckTransport {
 public:
  struct Failure {
    Error error;
    bool retryable = true;
  };
  virtual ~CheckTransport() = default;
  virtual std::expected<sync::reconcile::UploadResponse, Failure> Send(const sync::reconcile::UploadBatch& batch) = 0;
};

// POST {hub}/v1/checks over net::HttpClient.
class HttpCheckTransport final : public CheckTransport {
 public:
  HttpCheckTransport(net::HttpClient& client, std::string hub_url) : client_(client), hub_url_(std::move(hub_url)) {}
  std::expected<sync::reconcile::UploadResponse, Failure> Send(const sync::reconcile::UploadBatch& batch) override;

 private:
  net::HttpClient& client_;
  std::string hub_url_;
};

struct UploadPolicy {
  std::size_t batch_checks = 100;
  std::size_t batch_bytes = 512 * 1024;
  int max_attempts = 4;  // per batch; 0 = until cancelled (the serve loop)
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
};

struct UploadSummary {
  std::int64_t uploaded = 0;  // checks sent and answered in this run
  std::int64_t batches = 0;
  std::int64_t still_pending = 0;                // left for a later run
  std::map<std::string, std::int64_t> outcomes;  // outcome name → count
};

// Threading: uses the store from the calling thread only.
class CheckUploader {
 public:
  // `sleep` waits between retries (tests pass a fake that records delays).
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  // `signing_key` (the node's) signs each batch's audit-head statement
  // (sync::reconcile::AuditHeadStatement); it must outlive the uploader.
  CheckUploader(store::Store& store, CheckQueue& queue, AuditLog& audit, const crypto::SecretBuffer& signing_key,
                CheckTransport& transport, const Clock& clock, std::string node_id, UploadPolicy policy, Sleep sleep);

  // Uploads until nothing is pending, the attempts for a batch are used up
  // (error kUnreachable/kTimeout/kHttp with the last reason; answers
  // recorded so far stay recorded) or `cancel` becomes true (kCancelled).
  [[nodiscard]] Result<UploadSummary> UploadPending(const std::atomic<bool>* cancel = nullptr);

  // The delay before retry `attempt` (1-based): min(max, initial * 2^(attempt-1)), then a random point in its upper
  // half.
  std::chrono::milliseconds BackoffDelay(int attempt);

 private:
  Result<std::vector<CheckRecord>> NextBatch();
  // The audit log's signed head, made durable first and noted as meta
  // audit_head_reported; nullopt for an empty log.
  Result<std::optional<SignedAuditHead>> DurableSignedHead();
  Status RecordAnswers(const std::vector<CheckRecord>& batch, const sync::reconcile::UploadResponse& response,
                       UploadSummary& summary);

  store::Store& store_;
  CheckQueue& queue_;
  AuditLog& audit_;
  const crypto::SecretBuffer& signing_key_;
  CheckTransport& transport_;
  const Clock& clock_;
  std::string node_id_;
  UploadPolicy policy_;
  Sleep sleep_;
};

}  // namespace akari::node
