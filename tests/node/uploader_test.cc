#include "node/checks/uploader.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>

#include "crypto/keys.h"
#include "node/store/meta_keys.h"
#include "sync/errors.h"
#include "tests/testing/sync_counting_vfs.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

namespace rc = sync::reconcile;

// A hub in memory: answers every check "confirmed", remembers answers by id
// (so a repeated check gets its first answer back), and fails on demand.
class FakeHub : public CheckTransport {
 public:
  enum class Fault { kNone, kUnreachable, kServerError, kLoseResponse, kBadRequest };

  std::expected<rc::UploadResponse, Failure> Send(const rc::UploadBatch& batch) override {
    ++calls;
    if (on_send) on_send();
    const Fault fault = faults.empty() ? Fault::kNone : faults.front();
    if (!faults.empty()) faults.pop_front();
    if (fault == Fault::kUnreachable) return std::unexpected(Failure{{sync::SyncErrc::kUnreachable, "refused"}, true});
    if (fault == Fault::kServerError) return std::unexpected(Failure{{sync::SyncErrc::kHttp, "HTTP 500"}, true});
    if (fault == Fault::kBadRequest) return std::unexpected(Failure{{sync::SyncErrc::kHttp, "HTTP 400"}, false});
    heads.push_back(batch.audit_head);
    sent_at.push_back(batch.sent_at);
    rc::UploadResponse response;
    for (const rc::UploadedCheck& c : batch.checks) {
      auto [it, inserted] = answers.try_emplace(c.id);
      if (inserted) {
        it->second.check_id = c.id;
        it->second.outcome = rc::Outcome::kConfirmed;
        it->second.qualification_validity = 1;
      } else {
        ++repeats;
      }
      rc::CheckAnswer a = it->second;
      a.repeated = !inserted;
      response.answers.push_back(a);
    }
    // The hub committed, then the connection dropped before the answer arrived.
    if (fault == Fault::kLoseResponse) return std::unexpected(Failure{{sync::SyncErrc::kUnreachable, "reset"}, true});
    return response;
  }

  std::deque<Fault> faults;
  std::map<std::string, rc::CheckAnswer> answers;
  std::vector<std::optional<rc::ReportedAuditHead>> heads;  // as each batch carried it
  std::vector<TimePoint> sent_at;                           // each batch's
  std::function<void()> on_send;                            // runs as each batch arrives
  int calls = 0;
  int repeats = 0;
};

class UploaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.emplace(std::move(*store::Store::Open(dir_ / "node.db", Bytes(32, 1), {.create = true})));
    keys_.emplace(std::move(*crypto::GenerateSigningKeyPair()));
    queue_.emplace(*store_, "node1", keys_->secret_key, clock_);
    audit_.emplace(*store_, keys_->secret_key, keys_->public_key, clock_);
  }
  void Queue(int n) {
    auto tx = store::Transaction::Begin(store_->database(), /*durable=*/true);
    ASSERT_TRUE(tx);
    for (int i = 0; i < n; ++i) {
      CheckInput in;
      in.method = CheckMethod::kInsuranceNumbers;
      in.assurance = Assurance::kNumbers;
      in.claim = {{"insurer_number", "01170016"}};
      in.person_id = 1 + i;
      in.answer = {"covered", nullptr, "", ""};
      ASSERT_TRUE(queue_->Record(in));
    }
    ASSERT_TRUE(tx->Commit());
  }
  CheckUploader Uploader(UploadPolicy policy = {}) {
    return CheckUploader(*store_, *queue_, *audit_, keys_->secret_key, hub_, clock_, "node1", policy,
                         [this](std::chrono::milliseconds d) { delays_.push_back(d); });
  }
  std::int64_t Count(const char* table) {
    return *store_->database().QueryInt(std::string("SELECT count(*) FROM ") + table);
  }

  testing::TempDir dir_;
  ManualClock clock_{FromUnixSeconds(1764061200)};
  std::optional<store::Store> store_;
  std::optional<crypto::SigningKeyPair> keys_;
  std::optional<CheckQueue> queue_;
  std::optional<AuditLog> audit_;
  FakeHub hub_;
  std::vector<std::chrono::milliseconds> delays_;
};

TEST_F(UploaderTest, UploadsInBatchesAndRecordsEveryAnswerOnce) {
  Queue(250);
  auto summary = Uploader().UploadPending();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->uploaded, 250);
  EXPECT_EQ(summary->batches, 3);
  EXPECT_EQ(summary->outcomes["confirmed"], 250);
  EXPECT_EQ(hub_.answers.size(), 250u);
  EXPECT_EQ(Count("check_result"), 250);
  EXPECT_EQ(Count("check_upload"), 250);
  EXPECT_EQ(store_->Counts()->checks_pending, 0);
  EXPECT_TRUE(audit_->Verify()->ok());
  // Nothing left: a second run sends nothing.
  EXPECT_EQ(Uploader().UploadPending()->uploaded, 0);
  EXPECT_EQ(hub_.calls, 3);
}

TEST_F(UploaderTest, EachBatchCarriesTheAuditHeadMadeDurableAndNotedFirst) {
  // Record openings commit without a sync; the head reported must not be
  // one a power cut could take back.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(audit_->Append({"record.open", "op1", 7 + i, nlohmann::json::object()}));
  Queue(2);
  ASSERT_TRUE(audit_->Append({"record.open", "op1", 11, nlohmann::json::object()}));
  const AuditHead before = *audit_->Head();
  auto summary = Uploader().UploadPending();
  ASSERT_TRUE(summary) << summary.error().message;
  ASSERT_EQ(hub_.heads.size(), 1u);
  ASSERT_TRUE(hub_.heads[0]);
  EXPECT_EQ(hub_.heads[0]->seq, before.first);
  EXPECT_EQ(ToHex(hub_.heads[0]->hash), ToHex(before.second));
  EXPECT_EQ(*store_->GetMeta(store::meta::kAuditHeadReported),
            std::to_string(before.first) + ":" + ToHex(before.second));
  // The signature is the entry's own, which the hub checks.
  EXPECT_TRUE(crypto::Verify(keys_->public_key, before.second, hub_.heads[0]->signature));
  // The statement vouches for the number and the batch's time as well.
  EXPECT_TRUE(crypto::Verify(keys_->public_key,
                             rc::AuditHeadStatement("node1", before.first, before.second, hub_.sent_at[0]),
                             hub_.heads[0]->statement_signature));
  EXPECT_FALSE(crypto::Verify(keys_->public_key,
                              rc::AuditHeadStatement("node1", before.first + 1, before.second, hub_.sent_at[0]),
                              hub_.heads[0]->statement_signature));
  EXPECT_TRUE(audit_->Verify()->ok());
}

TEST_F(UploaderTest, TheHeadIsSyncedToDiskBeforeItLeaves) {
  // A second connection to the same store, through a VFS that counts the
  // syncs of the write-ahead log.
  testing::SyncCountingVfs vfs;
  {
    auto store = store::Store::Open(dir_ / "node.db", Bytes(32, 1), {.create = false});
    ASSERT_TRUE(store) << store.error().message;
    CheckQueue queue(*store, "node1", keys_->secret_key, clock_);
    AuditLog audit(*store, keys_->secret_key, keys_->public_key, clock_);
    Queue(1);
    // A record opening's entry is written without a sync.
    const int before = vfs.wal_syncs();
    ASSERT_TRUE(audit.Append({"record.open", "op1", 7, nlohmann::json::object()}));
    EXPECT_EQ(vfs.wal_syncs(), before);
    const AuditHead head = *audit.Head();
    int at_send = -1;
    hub_.on_send = [&] { at_send = vfs.wal_syncs(); };
    CheckUploader uploader(*store, queue, audit, keys_->secret_key, hub_, clock_, "node1", {},
                           [](std::chrono::milliseconds) {});
    auto summary = uploader.UploadPending();
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(hub_.heads.size(), 1u);
    ASSERT_TRUE(hub_.heads[0]);
    EXPECT_EQ(hub_.heads[0]->seq, head.first);
    // Between that entry and the batch leaving, the log was synced.
    EXPECT_GT(at_send, before);

    // While the hub is down, retries with the same head sync nothing more.
    Queue(1);
    ASSERT_TRUE(audit.Append({"record.open", "op1", 8, nlohmann::json::object()}));
    hub_.faults = {FakeHub::Fault::kUnreachable, FakeHub::Fault::kUnreachable, FakeHub::Fault::kUnreachable};
    std::vector<int> syncs_at_send;
    hub_.on_send = [&] { syncs_at_send.push_back(vfs.wal_syncs()); };
    ASSERT_TRUE(uploader.UploadPending()) << "the fourth attempt reaches the hub";
    ASSERT_EQ(syncs_at_send.size(), 4u);
    EXPECT_GT(syncs_at_send[0], at_send);  // the new head was made durable once
    EXPECT_EQ(syncs_at_send[3], syncs_at_send[0]);
  }
}

TEST_F(UploaderTest, BatchesRespectTheByteLimit) {
  Queue(10);
  UploadPolicy policy;
  policy.batch_bytes = 1;  // one check per batch, never zero
  auto summary = Uploader(policy).UploadPending();
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->batches, 10);
}

TEST_F(UploaderTest, HubDownForTheWholeOutageKeepsEverythingQueued) {
  Queue(5);
  hub_.faults.assign(100, FakeHub::Fault::kUnreachable);
  UploadPolicy policy;
  policy.max_attempts = 4;
  policy.initial_backoff = std::chrono::milliseconds(100);
  auto r = Uploader(policy).UploadPending();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sync::SyncErrc::kUnreachable);
  EXPECT_NE(r.error().message.find("5 checks stay queued"), std::string::npos) << r.error().message;
  EXPECT_EQ(hub_.calls, 4);
  ASSERT_EQ(delays_.size(), 3u);
  // Exponential with jitter: each delay in the upper half of 100, 200, 400 ms.
  for (std::size_t i = 0; i < delays_.size(); ++i) {
    const auto full = 100 << i;
    EXPECT_GE(delays_[i].count(), full / 2);
    EXPECT_LE(delays_[i].count(), full);
  }
  EXPECT_EQ(Count("check_upload"), 0);
  EXPECT_EQ(store_->Counts()->checks_pending, 5);
}

TEST_F(UploaderTest, ServerErrorForOneBatchIsRetried) {
  Queue(150);
  hub_.faults = {FakeHub::Fault::kNone, FakeHub::Fault::kServerError};
  auto summary = Uploader().UploadPending();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->uploaded, 150);
  EXPECT_EQ(hub_.answers.size(), 150u);
  EXPECT_EQ(hub_.calls, 3);
  EXPECT_EQ(Count("check_result"), 150);
}

TEST_F(UploaderTest, LostResponseIsResentAndNeverDuplicated) {
  Queue(40);
  hub_.faults = {FakeHub::Fault::kLoseResponse};
  auto summary = Uploader().UploadPending();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(hub_.answers.size(), 40u);   // hub side: each check once
  EXPECT_EQ(hub_.repeats, 40);           // the resend repeated all 40
  EXPECT_EQ(Count("check_result"), 40);  // node side: each answer once
  EXPECT_EQ(Count("check_upload"), 40);
}

TEST_F(UploaderTest, ClientErrorStopsWithoutRetrying) {
  Queue(3);
  hub_.faults = {FakeHub::Fault::kBadRequest};
  auto r = Uploader().UploadPending();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sync::SyncErrc::kHttp);
  EXPECT_EQ(hub_.calls, 1);
  EXPECT_TRUE(delays_.empty());
}

TEST_F(UploaderTest, CancelStopsBetweenBatches) {
  Queue(3);
  std::atomic<bool> cancel{true};
  auto r = Uploader().UploadPending(&cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sync::SyncErrc::kCancelled);
  EXPECT_EQ(hub_.calls, 0);
}

TEST_F(UploaderTest, TenThousandQueuedChecksArriveExactlyOnce) {
  Queue(10000);
  hub_.faults = {FakeHub::Fault::kNone, FakeHub::Fault::kLoseResponse, FakeHub::Fault::kServerError};
  auto summary = Uploader().UploadPending();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(hub_.answers.size(), 10000u);
  EXPECT_EQ(Count("check_result"), 10000);
  EXPECT_EQ(Count("check_upload"), 10000);
  EXPECT_EQ(Count("check_record"), 10000);
}

}  // namespace
}  // namespace akari::node
