// Group commit for audit entries written by many threads at once.
//
// Every record the service opens is audited before it is shown. With one
// write transaction per entry, concurrent openings queued on the store's
// single writer. Here a caller that finds no write in progress becomes the
// writer and appends every entry queued so far in one transaction; callers
// that arrive meanwhile wait for the next one. Each caller still returns
// only after the transaction holding its entry has committed, so "audited
// before shown" holds exactly as before, and the chain (hashes, signatures,
// sequence numbers) is unchanged. docs/benchmarks.md ("Service") has the
// measurements.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <semaphore>

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

  // Entries are written through `log`, whose connection `log_mu` guards;
  // `write_mu` serialises this process's writes to the store. The writer
  // takes `write_mu`, then `log_mu`. All three must outlive this object.
  // `log`'s connection should have a short busy timeout (tens of ms): the
  // writer holds `log_mu` for one attempt at a time and retries with both
  // mutexes released, so that a long write by another connection (a
  // snapshot apply) does not keep the readers of `log_mu` waiting too.
  AuditGroupCommit(AuditLog& log, std::mutex& log_mu, std::mutex& write_mu)
      : log_(log), log_mu_(log_mu), write_mu_(write_mu) {}
  AuditGroupCommit(const AuditGroupCommit&) = delete;
  AuditGroupCommit& operator=(const AuditGroupCommit&) = delete;

  // Thread-safe. Appends `event` and returns its sequence number once the
  // transaction holding it has committed; on failure nothing of that
  // transaction was written and every caller in it gets the error. Must
  // not be called while holding `log_mu` or `write_mu`.
  [[nodiscard]] Result<std::int64_t> Append(const AuditEvent& event);

  // Transactions written so far, and the entries in them (for tests and
  // benchmarks: entries / transactions is the mean batch).
  struct Counts {
    std::int64_t transactions = 0;
    std::int64_t entries = 0;
  };
  Counts counts() const;
  // Entries queued and not yet taken by a writer (for tests).
  std::size_t waiting() const;
  // Whether a caller is writing (from taking its batch until it hands on or
  // finishes; for tests). Only a caller that queued itself starts writing,
  // so writing() with waiting() == 0 means the writer has taken its batch.
  bool writing() const;

 private:
  // One caller's entry. The writer fills `seq` and sets `done` before it
  // releases `wake`; a caller woken with `done` unset has been handed the
  // writing of the next batch.
  struct Waiter {
    explicit Waiter(const AuditEvent* e) : event(e) {}
    const AuditEvent* event;
    bool done = false;
    Result<std::int64_t> seq = 0;
    std::binary_semaphore wake{0};
  };

  // Writes the batch at the head of the queue (`self` is in it) and hands
  // on: releases each waiter of the batch, and the next one's caller, if
  // any, to write the next batch. Called with `writing_` set.
  void WriteBatches(Waiter& self);

  AuditLog& log_;
  std::mutex& log_mu_;
  std::mutex& write_mu_;
  // The log's head after this object's last write, if known. Touched only
  // by the caller that is writing (one at a time: `writing_`).
  std::optional<AuditHead> head_;
  mutable std::mutex mu_;  // guards everything below
  // Waiting entries in arrival order. Empty whenever `writing_` is unset:
  // a writer that leaves entries behind hands the writing on instead.
  std::deque<Waiter*> queue_;
  bool writing_ = false;
  Counts counts_;
};

}  // namespace akari::node
