#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "crypto/keys.h"
#include "node/audit/group_commit.h"
#include "node/store/wal_checkpointer.h"
#include "sync/db/errors.h"
#include "tests/node/audit_store_fixture.h"

namespace akari::node {
namespace {

class AuditGroupCommitTest : public AuditStoreTest {
 protected:
  void SetUp() override {
    AuditStoreTest::SetUp();
    if (HasFatalFailure()) return;
    commit_.emplace(*log_, log_mu_, write_mu_);
  }

  // The body of entry `seq` as stored.
  nlohmann::json Body(std::int64_t seq) {
    auto s = store_->database().Prepare("SELECT body FROM audit_log WHERE seq = ?");
    EXPECT_TRUE(s);
    s->Bind(1, seq);
    auto row = s->Step();
    EXPECT_TRUE(row && *row);
    nlohmann::json body = nlohmann::json::parse(ToString(s->ColumnBlob(0)));
    s->Reset();
    return body;
  }

  std::mutex log_mu_;
  std::mutex write_mu_;
  std::optional<AuditGroupCommit> commit_;
};

TEST_F(AuditGroupCommitTest, OneCallerWritesOneTransactionPerEntry) {
  for (int i = 1; i <= 3; ++i) {
    auto seq = commit_->Append({"record.open", "op", i, {}});
    ASSERT_TRUE(seq) << seq.error().message;
    EXPECT_EQ(*seq, i);
  }
  EXPECT_EQ(commit_->counts().transactions, 3);
  EXPECT_EQ(commit_->counts().entries, 3);
}

TEST_F(AuditGroupCommitTest, EntriesFromAnotherWriterBetweenBatchesKeepTheChainWhole) {
  // The committer seals each batch to the head it last wrote. Another
  // writer on another connection (a check transaction, a CLI command)
  // appending in between makes that head stale; the batch must then follow
  // the actual head.
  auto other_store = store::Store::Open(dir_.path() / "node.db", Bytes(32, 1), {});
  ASSERT_TRUE(other_store);
  AuditLog other(*other_store, keys_->secret_key, keys_->public_key, clock_);
  for (int i = 0; i < 3; ++i) {
    auto mine = commit_->Append({"record.open", "op", i, {}});
    ASSERT_TRUE(mine) << mine.error().message;
    auto theirs = other.Append({"operator.add", "cli", std::nullopt, {}});
    ASSERT_TRUE(theirs) << theirs.error().message;
    EXPECT_EQ(*theirs, *mine + 1);
  }
  auto last = commit_->Append({"record.open", "op", 9, {}});
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 7);
  EXPECT_EQ(Body(7)["person_id"], 9);
  auto r = log_->Verify();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok()) << r->problem;
  EXPECT_EQ(r->entries, 7);
}

TEST_F(AuditGroupCommitTest, ConcurrentCallersEachGetTheirOwnEntryAndTheChainHolds) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  std::vector<std::vector<std::int64_t>> seqs(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto seq = commit_->Append({"record.open", "op" + std::to_string(t), t * 1000 + i, {{"n", i}}});
        if (!seq) {
          ++failures;
          continue;
        }
        seqs[static_cast<std::size_t>(t)].push_back(*seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  std::set<std::int64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::int64_t seq = seqs[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)];
      EXPECT_TRUE(all.insert(seq).second) << "sequence number " << seq << " returned twice";
      // Each caller's number names its own entry.
      const nlohmann::json body = Body(seq);
      EXPECT_EQ(body["actor"], "op" + std::to_string(t));
      EXPECT_EQ(body["person_id"], t * 1000 + i);
    }
  }
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);  // no gap
  auto report = log_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->problem;
  EXPECT_EQ(report->entries, kThreads * kPerThread);
  EXPECT_EQ(commit_->counts().entries, kThreads * kPerThread);
}

TEST_F(AuditGroupCommitTest, EntriesThatArriveDuringAWriteShareTheNextTransaction) {
  // Holding the write lock keeps the first caller's transaction from
  // starting; everyone after it queues behind.
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  {
    std::lock_guard hold(write_mu_);
    threads.emplace_back([&] { ok += commit_->Append({"login.ok", "first", std::nullopt, {}}).has_value(); });
    // Until the first caller has taken its batch. (Waiting for waiting() == 0
    // alone passed before it had even queued: the others then queued first,
    // one of them took all six, and waiting() never reached five.)
    while (!(commit_->writing() && commit_->waiting() == 0)) std::this_thread::yield();
    for (int t = 1; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ok += commit_->Append({"record.open", "op" + std::to_string(t), t, {}}).has_value();
      });
    }
    while (commit_->waiting() != kThreads - 1) std::this_thread::yield();
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads);
  EXPECT_EQ(commit_->counts().transactions, 2);
  EXPECT_EQ(commit_->counts().entries, kThreads);
  auto report = log_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->problem;
}

TEST_F(AuditGroupCommitTest, AFailedTransactionFailsEveryCallerInItAndWritesNothing) {
  ASSERT_TRUE(commit_->Append({"service.start", "system", std::nullopt, {}}));
  // Another connection takes the audit table away: the next transaction fails.
  auto other = store::Store::Open(dir_.path() / "node.db", Bytes(32, 1), {.create = false});
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->database().Exec("ALTER TABLE audit_log RENAME TO audit_log_gone"));
  constexpr int kThreads = 4;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto seq = commit_->Append({"record.open", "op", t, {}});
      if (!seq) ++failed;
    });
  }
  for (auto& th : threads) th.join();  // no caller is left waiting
  EXPECT_EQ(failed.load(), kThreads);
  ASSERT_TRUE(other->database().Exec("ALTER TABLE audit_log_gone RENAME TO audit_log"));
  auto report = log_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->problem;
  EXPECT_EQ(report->entries, 1);
  // And the committer still works.
  auto seq = commit_->Append({"record.open", "op", 9, {}});
  ASSERT_TRUE(seq) << seq.error().message;
  EXPECT_EQ(*seq, 2);
}

TEST_F(AuditGroupCommitTest, WhileAnotherConnectionHoldsTheWriteLockTheConnectionStaysFreeForReaders) {
  // As the service sets its shared connection up.
  store_->database().SetBusyTimeout(std::chrono::milliseconds(20));
  auto apply = store::Store::Open(dir_.path() / "node.db", Bytes(32, 1), {.create = false});
  ASSERT_TRUE(apply);
  ASSERT_TRUE(apply->database().Exec("BEGIN IMMEDIATE"));  // a snapshot apply in progress
  std::atomic<bool> done{false};
  std::atomic<bool> appended{false};
  std::thread opening([&] {
    appended = commit_->Append({"record.open", "doc1", 7, {}}).has_value();
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it try and wait
  // A reader of the connection gets it while the entry waits for the lock.
  bool read = false;
  for (int i = 0; i < 300 && !read; ++i) {
    if (log_mu_.try_lock()) {
      EXPECT_TRUE(store_->GetMeta("anything"));
      log_mu_.unlock();
      read = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(read) << "the connection was held while waiting for another connection's lock";
  EXPECT_FALSE(done.load());
  ASSERT_TRUE(apply->database().Exec("COMMIT"));
  opening.join();
  EXPECT_TRUE(appended.load());
  auto report = log_->Verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->entries, 1);
}

TEST(WalCheckpointerTest, CheckpointsOnItsOwnThreadForAnAttachedConnection) {
  testing::TempDir dir;
  auto opened = store::Store::Open(dir.path() / "node.db", Bytes(32, 1), {.create = true});
  ASSERT_TRUE(opened);
  auto own = store::Store::Open(dir.path() / "node.db", Bytes(32, 1), {.create = false});
  ASSERT_TRUE(own);
  auto checkpointer = store::WalCheckpointer::Start(std::move(*own), /*threshold_pages=*/4);
  std::optional<store::Store> writer(std::move(*opened));
  checkpointer->Attach(writer->database());
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(writer->SetMeta("k" + std::to_string(i), std::string(3000, 'x')));
  // The thread runs when woken; give it the time a loaded machine needs.
  for (int i = 0; i < 1000 && checkpointer->checkpoints() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(checkpointer->checkpoints(), 0);
  writer.reset();        // the attached connection goes first
  checkpointer.reset();  // a last checkpoint, then the thread ends
  // What was written is all there, through a new connection.
  auto reader = store::Store::Open(dir.path() / "node.db", Bytes(32, 1), {.create = false});
  ASSERT_TRUE(reader);
  auto v = reader->GetMeta("k199");
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, std::string(3000, 'x'));
}

}  // namespace
}  // namespace akari::node
