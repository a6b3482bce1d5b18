// The audit journal: where a record opening's audit entry is written
// before the record is shown, without waiting for a store commit.
//
// A record opening changes nothing in the store, so its entry needs to
// commit with nothing else. Committing it into the hash-chained log before
// each answer cost a fifth of what serving a record costs, and every commit
// held up the record openings reading through the same connection
// (docs/benchmarks.md). So the entry is appended here first (one write(2)
// of an encrypted, authenticated record), the record is shown, and the
// audit writer (AuditGroupCommit) moves the entries into the log in large
// batches. Each batch records how far it has moved the journal (meta
// "audit_journal" = "<generation>:<records merged>") in its own
// transaction, so a crash at any point moves every entry exactly once. A
// process that stops before moving them leaves them here; the next one to
// take the journal moves them first (Open, MergeLeftover). Entries that
// change the store with them (checks, mode and operator changes) never go
// through the journal.
//
// The guarantee is the store's own: an entry appended here survives a
// crash of the process at once, and a power loss once the kernel has
// written it back (as a commit to SQLite's WAL with synchronous=NORMAL).
//
// DIR/audit-journal (0600):
//   "AKARIAJ1" | generation (u64 LE) | secretstream header (24 bytes)
//   records: ciphertext length (u32 LE) | ciphertext
// Each record is one crypto_secretstream_xchacha20poly1305 message holding
// the event's JSON ({"at", "event", "actor", "person_id", "detail"}), under a
// key derived from the store's key, with the file's first 16 bytes as
// associated data. The stream chains its messages: a changed, removed or
// reordered record fails to authenticate, and so does every record after
// it. Records cut off the end cannot be told from a stop; that is what the
// hub's copy of the log's head is for (docs/reconcile.md).
//
// Generations order journals. Whoever takes the journal starts a new one
// once the old one is merged, and the writer starts a new one when the file
// has grown past kRotateBytes, copying into it what is not merged yet. A
// journal of a generation older than the store's was merged before and is
// ignored.
//
// DIR/audit-journal.lock is held by the process that owns the journal (akari
// serve) for as long as it does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/clock.h"
#include "base/file.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"
#include "node/audit/audit_log.h"
#include "node/store/store.h"

namespace akari::node {

// Names one appended record: it is the `count`-th of its generation.
struct AuditJournalTicket {
  std::int64_t generation = 0;
  std::int64_t count = 0;
};

// What taking over a journal found.
struct AuditJournalRecovery {
  std::int64_t merged = 0;  // entries a stopped process left, now in the log
  // What was wrong with the journal ("" when nothing was): a record cut
  // short, one that does not authenticate, an old generation. Also written
  // to the log as an "audit.journal_damaged" entry (once per file); the
  // file is kept as audit-journal.damaged-<generation>-<time>.
  std::string problem;
};

class AuditJournal {
 public:
  static constexpr const char* kFileName = "audit-journal";
  static constexpr const char* kLockFileName = "audit-journal.lock";
  // A generation is renewed past this size once everything in it is merged.
  static constexpr std::int64_t kRotateBytes = std::int64_t{8} << 20;

  // Takes the journal of the node in `dir` for appending: merges what a
  // stopped process left in it into `log` (through `log`'s store, which
  // must have no transaction open), then starts a new generation. Holds
  // the lock until destroyed. `database_key` is the store's key (the
  // journal's key is derived from it); only the derived key is kept.
  // `renew_past_bytes` is the size past which WantsRenewal() (tests use
  // small ones).
  // Errors: kBusy when another process or object holds the journal; store
  // and file errors.
  [[nodiscard]] static Result<std::unique_ptr<AuditJournal>> Open(const std::filesystem::path& dir,
                                                                  const crypto::SecretBuffer& database_key,
                                                                  AuditLog& log,
                                                                  AuditJournalRecovery* recovery = nullptr,
                                                                  std::int64_t renew_past_bytes = kRotateBytes);

  // For commands that read or copy the audit log: when no process holds
  // the journal, merges what a stopped one left in it (as Open, without
  // taking it over). nullopt when a process holds it: that one (akari serve)
  // moves its entries into the log within AuditGroupCommit::kMergeDelay of
  // their writing.
  [[nodiscard]] static Result<std::optional<AuditJournalRecovery>> MergeLeftover(
      const std::filesystem::path& dir, const crypto::SecretBuffer& database_key, AuditLog& log);

  AuditJournal(const AuditJournal&) = delete;
  AuditJournal& operator=(const AuditJournal&) = delete;
  ~AuditJournal();

  // The rest is not thread-safe: the caller serialises it
  // (AuditGroupCommit holds one mutex around each call).

  // Appends `event`, which happened at `at`. Returns once the
  // record is in the file. After a failure the journal takes no more
  // records (broken()), since the stream cannot go on past a record that
  // may be half written; the caller writes entries to the log directly.
  [[nodiscard]] Result<AuditJournalTicket> Append(const AuditEvent& event, TimePoint at);
  bool broken() const { return broken_; }

  // Makes every commit to the store of the node in `dir` durable (syncs its
  // WAL): before a journal that held entries is replaced.
  [[nodiscard]] static Status SyncStore(const std::filesystem::path& dir);

  // Inside the transaction that writes the entries up to `last` into the
  // log: records that they are in it.
  [[nodiscard]] static Status RecordMerged(store::Store& store, AuditJournalTicket last);
  // Once that transaction has committed.
  void Merged(AuditJournalTicket last);

  // Whether the file has grown past its size limit (Renew() shrinks it).
  bool WantsRenewal() const { return bytes_ > renew_past_bytes_ && !broken_; }
  // Starts the next generation, into which the entries appended and not
  // yet merged (`carry`, in order, each with its time) are written again:
  // on success they are its first records, tickets {generation(), 1} to
  // {generation(), carry.size()}. The new file replaces the old in one
  // rename, so a crash leaves one of the two whole, and the store's record
  // of what was merged holds for either. On failure (a full disk) the
  // current generation stays in use.
  [[nodiscard]] Status Renew(std::span<const AuditEvent* const> carry, std::span<const TimePoint> at);

  const std::filesystem::path& dir() const { return dir_; }
  std::int64_t generation() const { return generation_; }
  std::int64_t appended() const { return appended_; }
  std::int64_t merged() const { return merged_; }
  std::int64_t bytes() const { return bytes_; }

 private:
  AuditJournal(std::filesystem::path dir, FileLock lock, crypto::SecretBuffer key)
      : dir_(std::move(dir)), lock_(std::move(lock)), key_(std::move(key)) {}
  // Writes generation `generation` holding `carry` to a new file, renames
  // it over the journal and makes it current.
  Status StartGeneration(std::int64_t generation, std::span<const AuditEvent* const> carry,
                         std::span<const TimePoint> at);

  std::filesystem::path dir_;
  FileLock lock_;
  crypto::SecretBuffer key_;    // derived from the store's key
  crypto::SecretBuffer state_;  // crypto_secretstream_xchacha20poly1305_state; StartGeneration sets it
  int fd_ = -1;
  std::int64_t generation_ = 0;
  std::int64_t appended_ = 0;
  std::int64_t merged_ = 0;
  std::int64_t bytes_ = 0;
  std::int64_t renew_past_bytes_ = kRotateBytes;
  bool broken_ = false;
};

}  // namespace akari::node
