#include "node/audit/group_commit.h"

#include <algorithm>
#include <exception>
#include <semaphore>
#include <utility>

#include "sync/db/errors.h"

namespace akari::node {

AuditGroupCommit::AuditGroupCommit(AuditLog& log, std::mutex& log_mu, std::mutex& write_mu)
    : log_(log), log_mu_(log_mu), write_mu_(write_mu), writer_([this] { Run(); }) {}

AuditGroupCommit::~AuditGroupCommit() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

Result<std::int64_t> AuditGroupCommit::Append(const AuditEvent& event) {
  Result<std::int64_t> out = 0;
  std::binary_semaphore answered{0};
  AppendAsync(event, [&](Result<std::int64_t> seq) {
    out = std::move(seq);
    // After this the caller may return and `out` be gone.
    answered.release();
  });
  answered.acquire();
  return out;
}

void AuditGroupCommit::AppendAsync(AuditEvent event, Done done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(event), std::move(done)});
  }
  // Only a writer with nothing to do waits on `wake_`; a busy one takes
  // this entry with its next batch. Signalling a condition variable that
  // nobody waits on costs no system call.
  wake_.notify_one();
}

void AuditGroupCommit::Run() {
  std::vector<Pending> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued is written
    const std::size_t n = std::min(queue_.size(), kMaxBatch);
    batch.clear();
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    writing_ = true;
    lock.unlock();

    Result<std::int64_t> first = Write(batch);

    lock.lock();
    if (first) {
      ++counts_.transactions;
      counts_.entries += static_cast<std::int64_t>(batch.size());
    }
    lock.unlock();
    // Answered outside the lock: a callback may queue the next entry.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Result<std::int64_t> seq = first ? Result<std::int64_t>(*first + static_cast<std::int64_t>(i))
                                       : Result<std::int64_t>(std::unexpected(first.error()));
      std::move(batch[i].done)(std::move(seq));
    }
    batch.clear();  // the events and callbacks go before the next wait
    lock.lock();
    writing_ = false;
  }
}

Result<std::int64_t> AuditGroupCommit::Write(const std::vector<Pending>& batch) {
  std::vector<const AuditEvent*> events;
  events.reserve(batch.size());
  for (const Pending& p : batch) events.push_back(&p.event);
  Result<std::int64_t> first = 0;
  const auto give_up = std::chrono::steady_clock::now() + kMaxLockWait;
  auto pause = std::chrono::milliseconds(2);
  std::optional<SealedAuditBatch> sealed;
  for (;;) {
    try {
      // Signing is most of an entry's cost: the entries are sealed to the
      // head this writer last wrote, holding neither mutex, so readers of
      // the connection do not wait for it. AppendBatch checks the head
      // inside its transaction and seals again in the rare case that
      // another writer (a check, a CLI command) appended meanwhile.
      if (!head_) {
        std::lock_guard connection(log_mu_);
        auto head = log_.Head();
        if (head) head_ = *head;
      }
      if (head_ && (!sealed || sealed->follows != *head_)) sealed = log_.Seal(events, *head_);
      // In this order, so the connection is held only while writing, not
      // while another writer of this process (a check) finishes.
      std::lock_guard write(write_mu_);
      std::lock_guard connection(log_mu_);
      AuditHead after;
      first = log_.AppendBatch(events, sealed ? &*sealed : nullptr, &after);
      if (first) {
        head_ = after;
      } else {
        head_.reset();  // read again next time
      }
    } catch (const std::exception& e) {
      // Only allocation can throw here; the callers must still be answered.
      first = MakeError(db::DbErrc::kSqlite, std::string("appending to the audit log failed: ") + e.what());
    }
    // Another connection holds the write lock (a snapshot apply takes
    // seconds): wait with the connection free for its readers.
    if (first || first.error().code != db::DbErrc::kBusy || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return first;
}

std::size_t AuditGroupCommit::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

bool AuditGroupCommit::writing() const {
  std::lock_guard lock(mu_);
  return writing_;
}

AuditGroupCommit::Counts AuditGroupCommit::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

}  // namespace akari::node
