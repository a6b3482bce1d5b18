// Group commit for audit entries written by many threads at once.
//
// Every record the service opens is audited before it is shown. With one
// write transaction per entry, concurrent openings queued on the store's
// single writer. Here one writer thread appends every entry queued so far
// in one transaction; entries that arrive meanwhile go into the next. Each
// caller learns of its entry only once the transaction holding it has
// committed, so "audited before shown" holds exactly as before, and the
// chain (hashes, signatures, sequence numbers) is unchanged. A caller may
// wait (Append) or be called back (AppendAsync): the service's record
// openings use the latter, so that no server thread sleeps while an entry
// commits. docs/benchmarks.md ("Service") has the measurements.
//
// With an audit journal (journal.h), an entry that needs to commit with
// nothing else can be journaled instead (AppendJournaled): it is in the
// journal when the call returns, and the writer moves it into the log with
// others, within kMergeDelay, recording in the same transaction how far the
// journal is merged. Entries enter the log in the order they were queued,
// except that entries someone waits for go ahead of journaled ones while
// those wait out a failure; journaled entries keep their order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "node/audit/audit_log.h"
#include "node/audit/journal.h"

namespace akari::node {

class AuditGroupCommit {
 public:
  // The most entries one transaction takes; the rest wait for the next.
  static constexpr std::size_t kMaxBatch = 256;

  // How long a batch waits, in all, for another connection's write lock
  // (a snapshot apply) before its callers get kBusy.
  static constexpr std::chrono::seconds kMaxLockWait{10};

  // How long a journaled entry waits for others to share its transaction,
  // at most (unless an entry that someone waits for comes first).
  static constexpr std::chrono::milliseconds kMergeDelay{50};

  // After a failed write of journaled entries, the writer waits this long
  // before it tries them again (they are safe in the journal meanwhile).
  static constexpr std::chrono::seconds kRetryPause{1};

  // Called once with the entry's sequence number, or the error that failed
  // its transaction.
  using Done = std::move_only_function<void(Result<std::int64_t>)>;

  // Told of each failure to move journaled entries into the log (the
  // entries stay queued and in the journal). Runs on the writer thread.
  using JournalFailure = std::function<void(const Error&)>;

  // Entries are written through `log`, whose connection `log_mu` guards;
  // `write_mu` serialises this process's writes to the store. The writer
  // takes `write_mu`, then `log_mu`. All three must outlive this object.
  // `log`'s connection should have a short busy timeout (tens of ms): the
  // writer holds `log_mu` for one attempt at a time and retries with both
  // mutexes released, so that a long write by another connection (a
  // snapshot apply) does not keep the readers of `log_mu` waiting too.
  // Starts the writer thread.
  // `journal` (may be null: AppendJournaled then always fails) must
  // outlive this object; from here on, only this object touches it.
  // `max_lock_wait` replaces kMaxLockWait (tests).
  AuditGroupCommit(AuditLog& log, std::mutex& log_mu, std::mutex& write_mu, AuditJournal* journal = nullptr,
                   JournalFailure on_journal_failure = {},
                   std::chrono::milliseconds max_lock_wait = std::chrono::milliseconds(kMaxLockWait));
  AuditGroupCommit(const AuditGroupCommit&) = delete;
  AuditGroupCommit& operator=(const AuditGroupCommit&) = delete;
  // Writes every entry still queued (each caller learns how that went),
  // then stops the writer thread.
  ~AuditGroupCommit();

  // Thread-safe. Appends `event` and returns its sequence number once the
  // transaction holding it has committed; on failure nothing of that
  // transaction was written and every caller in it gets the error. Must
  // not be called while holding `log_mu` or `write_mu`, nor from `done` of
  // AppendAsync.
  [[nodiscard]] Result<std::int64_t> Append(const AuditEvent& event);

  // Thread-safe, returns at once. Queues `event`; `done` runs on the writer
  // thread once the transaction holding it has committed or failed, as
  // Append would have returned. `done` must be quick and must not block
  // (it delays the next batch): hand the outcome on.
  void AppendAsync(AuditEvent event, Done done);

  // Thread-safe, returns once `event`, stamped with `clock`'s time now, is
  // in the journal, having taken it (moved from). Errors: there is no
  // journal, or it could not be written; `event` is then left as it was,
  // for the caller to append another way.
  [[nodiscard]] Status AppendJournaled(AuditEvent& event, const Clock& clock);

  // Thread-safe. Waits until every journaled entry queued before the call
  // is in the log, without waiting out kMergeDelay. Errors: the write of
  // one of them failed (they stay queued and in the journal). For tests,
  // and for callers that read the log next.
  [[nodiscard]] Status Flush();

  // Transactions written so far, and the entries in them (for tests and
  // benchmarks: entries / transactions is the mean batch).
  struct Counts {
    std::int64_t transactions = 0;
    std::int64_t entries = 0;
    std::int64_t journaled = 0;  // entries of those that came through the journal
  };
  Counts counts() const;
  // Entries queued and not yet taken by a writer (for tests).
  std::size_t waiting() const;
  // Whether the writer holds a batch (from taking it until every caller in
  // it has been answered; for tests): writing() with waiting() == 0 means
  // the writer has taken every entry queued so far.
  bool writing() const;

 private:
  struct Pending {
    AuditEvent event;
    Done done;  // empty for a journaled entry
    std::optional<AuditJournalTicket> ticket;
    std::optional<TimePoint> at;  // a journaled entry's time
    std::chrono::steady_clock::time_point queued;
  };

  // On the writer thread after a successful write: records how far the
  // journal is merged, and renews it when it is due.
  void AfterWrite(std::optional<AuditJournalTicket> last_ticket);
  // On the writer thread between batches, holding no lock: makes the
  // merges so far durable (syncs the store's WAL), then starts the
  // journal's next generation,
  // carrying the journaled entries still queued. False if either failed
  // (the current generation stays in use).
  bool RenewJournal();
  // With mu_ held: whether the writer should take a batch now.
  bool BatchReady(std::chrono::steady_clock::time_point now) const;

  // The writer thread: waits for entries, writes them in batches.
  void Run();
  // Writes `batch` in one transaction (retrying while another connection
  // holds the write lock, up to kMaxLockWait); the first entry's number.
  Result<std::int64_t> Write(const std::vector<Pending>& batch);
  // One attempt of Write, with both mutexes held.
  Result<std::int64_t> WriteOnce(std::span<const AuditEvent* const> events,
                                 std::span<const std::optional<TimePoint>> at, const SealedAuditBatch* sealed,
                                 std::optional<AuditJournalTicket> last_ticket, AuditHead* after);

  AuditLog& log_;
  std::mutex& log_mu_;
  std::mutex& write_mu_;
  // The log's head after this object's last write, if known. Touched only
  // by the writer thread.
  std::optional<AuditHead> head_;
  // When the writer may next try to renew the journal after a failure to
  // (writer thread only).
  std::chrono::steady_clock::time_point next_renewal_;
  AuditJournal* journal_;
  JournalFailure on_journal_failure_;
  std::chrono::milliseconds max_lock_wait_;
  // Guards journal_ (appends and merges), and keeps journal order and queue
  // order the same. Taken before mu_, never after.
  std::mutex journal_mu_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  // Waiting entries in arrival order.
  std::deque<Pending> queue_;
  std::size_t waited_for_ = 0;         // entries in queue_ that someone waits for (not journaled)
  std::int64_t journaled_queued_ = 0;  // journaled entries ever queued
  // Set by the writer when, stopping, the store refused journaled entries:
  // they stay in the journal, and no more are queued or merged.
  bool journal_given_up_ = false;
  int flushing_ = 0;                   // callers in Flush()
  std::int64_t journal_failures_ = 0;  // failed writes of journaled entries
  std::optional<Error> last_journal_failure_;
  std::condition_variable written_;  // a batch was written or failed (for Flush)
  // After a failed write of journaled entries: no batch of journaled
  // entries only before this.
  std::chrono::steady_clock::time_point retry_after_;
  bool writing_ = false;  // the writer has taken a batch and not yet answered it
  bool stopping_ = false;
  Counts counts_;
  std::thread writer_;  // last: starts once the rest is built
};

}  // namespace akari::node
