#include "node/audit/group_commit.h"

#include <algorithm>
#include <exception>
#include <semaphore>
#include <utility>

#include "sync/db/errors.h"

namespace akari::node {

AuditGroupCommit::AuditGroupCommit(AuditLog& log, std::mutex& log_mu, std::mutex& write_mu, AuditJournal* journal,
                                   JournalFailure on_journal_failure, std::chrono::milliseconds max_lock_wait)
    : log_(log),
      log_mu_(log_mu),
      write_mu_(write_mu),
      journal_(journal),
      on_journal_failure_(std::move(on_journal_failure)),
      max_lock_wait_(max_lock_wait),
      writer_([this] { Run(); }) {}

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
    queue_.push_back({std::move(event), std::move(done), std::nullopt, std::nullopt, std::chrono::steady_clock::now()});
    ++waited_for_;
  }
  // Only a writer with nothing to do waits on `wake_`; a busy one takes
  // this entry with its next batch. Signalling a condition variable that
  // nobody waits on costs no system call.
  wake_.notify_one();
}

Status AuditGroupCommit::AppendJournaled(AuditEvent& event, const Clock& clock) {
  if (journal_ == nullptr) return MakeError(db::DbErrc::kSqlite, "this node's audit journal is not open");
  const TimePoint at = clock.Now();
  bool wake = false;
  {
    // One lock over both, so that the queue holds journaled entries in the
    // journal's order: a batch that records "merged up to n" holds every
    // entry up to n.
    std::lock_guard journal(journal_mu_);
    {
      std::lock_guard lock(mu_);
      if (stopping_) return MakeError(db::DbErrc::kSqlite, "the audit writer is stopping");
    }
    AKARI_ASSIGN_OR_RETURN(const AuditJournalTicket ticket, journal_->Append(event, at));
    std::lock_guard lock(mu_);
    // Once the writer has given up on journaled entries (stopping, with the
    // store refusing them), the entry stays in the journal alone, for the
    // next process to move: it is audited.
    if (journal_given_up_) return {};
    queue_.push_back({std::move(event), Done(), ticket, at, std::chrono::steady_clock::now()});
    ++journaled_queued_;
    // The writer needs waking only to start the first entry's delay and
    // when a batch is full; waking it for every entry would cost a context
    // switch each.
    wake = queue_.size() == 1 || queue_.size() == kMaxBatch;
  }
  if (wake) wake_.notify_one();
  return {};
}

Status AuditGroupCommit::Flush() {
  std::unique_lock lock(mu_);
  const std::int64_t target = journaled_queued_;
  const std::int64_t failures = journal_failures_;
  ++flushing_;
  wake_.notify_one();
  written_.wait(lock,
                [&] { return counts_.journaled >= target || journal_failures_ != failures || journal_given_up_; });
  --flushing_;
  if (counts_.journaled >= target) return {};
  return std::unexpected(*last_journal_failure_);
}

bool AuditGroupCommit::BatchReady(std::chrono::steady_clock::time_point now) const {
  if (queue_.empty()) return false;
  if (stopping_ || waited_for_ > 0 || flushing_ > 0) return true;
  // Journaled entries only: nobody waits for them, so they wait for
  // company (fewer commits, and fewer interruptions of the readers of the
  // connection), and after a failure for the store to recover.
  if (now < retry_after_) return false;
  return queue_.size() >= kMaxBatch || now >= queue_.front().queued + kMergeDelay;
}

void AuditGroupCommit::Run() {
  std::vector<Pending> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    while (!BatchReady(now)) {
      if (queue_.empty()) {
        if (stopping_) return;  // everything queued is written
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, std::max(queue_.front().queued + kMergeDelay, retry_after_));
      }
      now = std::chrono::steady_clock::now();
    }
    // Journaled entries sit out the pause after a failure (nobody waits
    // for them, and they are safe in the journal); entries that someone
    // waits for do not wait behind them. Journaled entries keep their
    // order among themselves, which is all "merged up to n" needs.
    const bool journaled_too = !journal_given_up_ && (now >= retry_after_ || stopping_ || flushing_ > 0);
    batch.clear();
    for (auto it = queue_.begin(); it != queue_.end() && batch.size() < kMaxBatch;) {
      if (it->ticket && !journaled_too) {
        ++it;
        continue;
      }
      if (it->done) --waited_for_;
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
    }
    if (batch.empty()) {
      // Not expected (BatchReady saw something to take); never spin.
      if (stopping_) return;
      wake_.wait_for(lock, kRetryPause);
      continue;
    }
    writing_ = true;
    const bool given_up = journal_given_up_;
    lock.unlock();

    Result<std::int64_t> first = Write(batch);

    std::optional<AuditJournalTicket> last_ticket;
    std::int64_t journaled = 0;
    for (const Pending& p : batch) {
      if (p.ticket) {
        last_ticket = p.ticket;
        ++journaled;
      }
    }
    if (first && journal_ != nullptr && !given_up) AfterWrite(last_ticket);
    if (!first && last_ticket && on_journal_failure_) on_journal_failure_(first.error());

    lock.lock();
    if (first) {
      ++counts_.transactions;
      counts_.entries += static_cast<std::int64_t>(batch.size());
      counts_.journaled += journaled;
    } else if (last_ticket) {
      ++journal_failures_;
      last_journal_failure_ = first.error();
      if (stopping_) {
        // Stopping, and the store refuses them: they stay in the journal
        // for the next process, and nothing more is recorded as merged
        // from it (that would count them too).
        journal_given_up_ = true;
        std::erase_if(queue_, [](const Pending& p) { return p.ticket.has_value(); });
      } else {
        // Nobody is told: back to the front of the queue, to be tried
        // again after a pause.
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
          if (it->ticket) queue_.push_front(std::move(*it));
        }
        retry_after_ = std::chrono::steady_clock::now() + kRetryPause;
      }
    }
    if (flushing_ > 0) written_.notify_all();
    lock.unlock();
    // Answered outside the lock: a callback may queue the next entry.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].done) continue;
      Result<std::int64_t> seq = first ? Result<std::int64_t>(*first + static_cast<std::int64_t>(i))
                                       : Result<std::int64_t>(std::unexpected(first.error()));
      std::move(batch[i].done)(std::move(seq));
    }
    batch.clear();  // the events and callbacks go before the next wait
    lock.lock();
    writing_ = false;
  }
}

void AuditGroupCommit::AfterWrite(std::optional<AuditJournalTicket> last_ticket) {
  bool renew = false;
  {
    std::lock_guard journal(journal_mu_);
    if (last_ticket) journal_->Merged(*last_ticket);
    const auto now = std::chrono::steady_clock::now();
    // A journal past its size is renewed once little of it waits to be
    // merged (the new one starts with that); one that stopped after a
    // failed write (a full disk) is renewed once the store takes writes
    // again. Not more often than once per pause when renewing fails.
    const bool small_backlog = journal_->appended() - journal_->merged() <= static_cast<std::int64_t>(kMaxBatch);
    renew = now >= next_renewal_ && ((journal_->WantsRenewal() && small_backlog) || journal_->broken());
  }
  if (!renew) return;
  if (!RenewJournal()) next_renewal_ = std::chrono::steady_clock::now() + kRetryPause;
}

bool AuditGroupCommit::RenewJournal() {
  // The merges so far were committed without a sync. The new journal
  // replaces the old one durably, so they must be on disk first: after a
  // power cut the store must not say less was merged than the old journal
  // held before the new one left it out. Syncing the WAL needs no lock.
  if (!AuditJournal::SyncStore(journal_->dir())) return false;
  // With journal_mu_ held no entry is appended meanwhile, so the journaled
  // entries in the queue are exactly those not yet merged, in order. Only
  // this thread removes entries from the queue, and a deque keeps the
  // addresses of its elements when others are added at either end, so the
  // pointers stay valid while mu_ is let go for the file's writing.
  std::lock_guard journal(journal_mu_);
  std::vector<const AuditEvent*> carry;
  std::vector<TimePoint> at;
  {
    std::lock_guard lock(mu_);
    for (const Pending& p : queue_) {
      if (!p.ticket) continue;
      carry.push_back(&p.event);
      at.push_back(*p.at);
    }
  }
  if (!journal_->Renew(carry, at)) return false;  // the current generation stays in use
  std::lock_guard lock(mu_);
  std::int64_t count = 0;
  for (Pending& p : queue_) {
    if (p.ticket) p.ticket = AuditJournalTicket{journal_->generation(), ++count};
  }
  return true;
}

Result<std::int64_t> AuditGroupCommit::Write(const std::vector<Pending>& batch) {
  std::vector<const AuditEvent*> events;
  events.reserve(batch.size());
  std::vector<std::optional<TimePoint>> at;
  at.reserve(batch.size());
  std::optional<AuditJournalTicket> last_ticket;
  for (const Pending& p : batch) {
    events.push_back(&p.event);
    at.push_back(p.at);
    if (p.ticket) last_ticket = p.ticket;
  }
  Result<std::int64_t> first = 0;
  const auto give_up = std::chrono::steady_clock::now() + max_lock_wait_;
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
      if (head_ && (!sealed || sealed->follows != *head_)) sealed = log_.Seal(events, *head_, at);
      // In this order, so the connection is held only while writing, not
      // while another writer of this process (a check) finishes.
      std::lock_guard write(write_mu_);
      std::lock_guard connection(log_mu_);
      AuditHead after;
      first = WriteOnce(events, at, sealed ? &*sealed : nullptr, last_ticket, &after);
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

Result<std::int64_t> AuditGroupCommit::WriteOnce(std::span<const AuditEvent* const> events,
                                                 std::span<const std::optional<TimePoint>> at,
                                                 const SealedAuditBatch* sealed,
                                                 std::optional<AuditJournalTicket> last_ticket, AuditHead* after) {
  if (!last_ticket) return log_.AppendBatch(events, sealed, after, at);
  // The entries and how far the journal is merged, in one transaction: a
  // crash leaves both or neither, so no entry is moved twice or lost.
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(log_.store().database()));
  AKARI_ASSIGN_OR_RETURN(const std::int64_t first, log_.AppendBatch(events, sealed, after, at));
  AKARI_TRY(AuditJournal::RecordMerged(log_.store(), *last_ticket));
  AKARI_TRY(tx.Commit());
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
