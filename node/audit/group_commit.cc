#include "node/audit/group_commit.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <thread>

#include "sync/db/errors.h"

namespace akari::node {

Result<std::int64_t> AuditGroupCommit::Append(const AuditEvent& event) {
  Waiter me(&event);
  bool write = false;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(&me);
    if (!writing_) write = writing_ = true;
  }
  if (!write) {
    // Woken either with the entry committed (or failed), or to write the
    // next batch, which then holds this entry.
    me.wake.acquire();
    if (me.done) return std::move(me.seq);
  }
  WriteBatches(me);
  return std::move(me.seq);
}

void AuditGroupCommit::WriteBatches(Waiter& self) {
  std::vector<Waiter*> batch;
  {
    std::lock_guard lock(mu_);
    const std::size_t n = std::min(queue_.size(), kMaxBatch);
    batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  std::vector<const AuditEvent*> events;
  events.reserve(batch.size());
  for (const Waiter* w : batch) events.push_back(w->event);
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
      // Only allocation can throw here; the waiters must still be released.
      first = MakeError(db::DbErrc::kSqlite, std::string("appending to the audit log failed: ") + e.what());
    }
    // Another connection holds the write lock (a snapshot apply takes
    // seconds): wait with the connection free for its readers.
    if (first || first.error().code != db::DbErrc::kBusy || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }

  Waiter* next = nullptr;
  {
    std::lock_guard lock(mu_);
    if (first) {
      ++counts_.transactions;
      counts_.entries += static_cast<std::int64_t>(batch.size());
    }
    if (queue_.empty()) {
      writing_ = false;
    } else {
      next = queue_.front();  // its caller writes the next batch
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Waiter* w = batch[i];
    w->seq = first ? Result<std::int64_t>(*first + static_cast<std::int64_t>(i))
                   : Result<std::int64_t>(std::unexpected(first.error()));
    w->done = true;
    // After release the waiter may return and its Waiter be gone.
    if (w != &self) w->wake.release();
  }
  if (next != nullptr) next->wake.release();
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
