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
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "base/result.h"
#include "node/audit/audit_log.h"

namespace akari::node {

class AuditGroupCommit {
 public:
  // The most entries one transaction takes; the rest wait for the next.
  static constexpr std::size_t kMaxBatch = 256;

  // How long a batch waits, in all, for another connection's write lock
  // (a snapshot apply) before its callers get kBusy.
  static constexpr std::chrono::seconds kMaxLockWait{10};

  // Called once with the entry's sequence number, or the error that failed
  // its transaction.
  using Done = std::move_only_function<void(Result<std::int64_t>)>;

  // Entries are written through `log`, whose connection `log_mu` guards;
  // `write_mu` serialises this process's writes to the store. The writer
  // takes `write_mu`, then `log_mu`. All three must outlive this object.
  // `log`'s connection should have a short busy timeout (tens of ms): the
  // writer holds `log_mu` for one attempt at a time and retries with both
  // mutexes released, so that a long write by another connection (a
  // snapshot apply) does not keep the readers of `log_mu` waiting too.
  // Starts the writer thread.
  AuditGroupCommit(AuditLog& log, std::mutex& log_mu, std::mutex& write_mu);
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

  // Transactions written so far, and the entries in them (for tests and
  // benchmarks: entries / transactions is the mean batch).
  struct Counts {
    std::int64_t transactions = 0;
    std::int64_t entries = 0;
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
    Done done;
  };

  // The writer thread: waits for entries, writes them in batches.
  void Run();
  // Writes `batch` in one transaction (retrying while another connection
  // holds the write lock, up to kMaxLockWait); the first entry's number.
  Result<std::int64_t> Write(const std::vector<Pending>& batch);

  AuditLog& log_;
  std::mutex& log_mu_;
  std::mutex& write_mu_;
  // The log's head after this object's last write, if known. Touched only
  // by the writer thread.
  std::optional<AuditHead> head_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  // Waiting entries in arrival order.
  std::deque<Pending> queue_;
  bool writing_ = false;  // the writer has taken a batch and not yet answered it
  bool stopping_ = false;
  Counts counts_;
  std::thread writer_;  // last: starts once the rest is built
};

}  // namespace akari::node
