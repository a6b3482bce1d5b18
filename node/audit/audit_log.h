// The node's audit log: append-only, hash-chained and signed by the node
// key (MHLW guideline: who opened which record when, protected against
// deletion, alteration and insertion).
//
// Entry n stores body_n (canonical JSON with "seq": n), prev_hash_n =
// hash_{n-1} (32 zero bytes for n = 1) and hash_n = BLAKE2b-256(
// "akari-audit/1" || prev_hash_n || body_n). The last entry of every write
// (one transaction: a single entry, or a group-committed batch) also
// stores an Ed25519 signature of its hash_n; the others store none. As
// hash_n covers every entry before it, that one signature vouches for the
// whole batch (the signature blocks of RFC 5848, signed syslog), and the
// newest entry of a log is always signed. The signed entry's body names
// the first entry of its write ("signed_from"), so that a signature
// vouches for its own write only: unsigned entries before that (written
// without the node key) stay unvouched however many writes follow them.
// Verify() recomputes the chain,
// so an edited, deleted, inserted or reordered entry breaks it at a named
// sequence number; an entry edited with its hashes recomputed is caught by
// the signature that covers it, which names its batch. Logs written before
// this (every entry signed) verify the same way. Cutting whole writes off
// the end leaves a valid shorter chain: that is caught only by comparing
// with a head recorded elsewhere: the hub keeps the newest head the node
// reported with its checks (SignedHead(); docs/reconcile.md).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/keys.h"
#include "crypto/secret_buffer.h"
#include "node/store/store.h"

namespace akari::node {

// The rule for signatures, shared by AuditLog::Verify() and the check of an
// export (akari audit verify-export): entries are fed in order, after the
// caller has checked their sequence and chain. A signed entry must carry a
// valid signature of its hash by the node key and vouches for the unsigned
// entries before it back to its body's "signed_from" (entries sealed before
// signed_from existed have none and vouch for every unsigned entry before
// them, as they were verified then); unsigned entries it does not reach, and an
// unsigned newest entry, are refused.
class AuditSignatureCoverage {
 public:
  struct Problem {
    std::int64_t seq = 0;  // the first entry concerned
    std::string message;
  };
  // `bad_signature` completes "entry N " for a signed entry whose signature
  // does not verify and that covers no unsigned entry ("has a signature
  // that is not this node's").
  AuditSignatureCoverage(const crypto::Ed25519PublicKey& key, std::string bad_signature)
      : key_(key), bad_signature_(std::move(bad_signature)) {}

  // Entry `seq` with its parsed body, its (verified) hash and its signature
  // (nullopt when it has none; a signature that is present but empty or
  // unreadable is one that does not verify).
  std::optional<Problem> Add(std::int64_t seq, const nlohmann::json& body, const crypto::Hash32& hash,
                             std::optional<ByteSpan> signature);
  // After the last entry (`last_seq`): an unsigned tail. `what` names the
  // whole ("a log", "an export").
  std::optional<Problem> Finish(std::int64_t last_seq, std::string_view what) const;

 private:
  crypto::Ed25519PublicKey key_;
  std::string bad_signature_;
  std::int64_t unsigned_from_ = 0;  // the first entry after the last signed one; 0: none
};

// What happened. Fields carry ids and codes, never names or other
// personal data (the person's id is enough to find the record).
struct AuditEvent {
  std::string event;  // dotted name: "record.open", "check.record", "login.ok", "mode.change", "sync.apply", …
  std::string actor;  // operator id, or "cli" / "system"
  std::optional<std::int64_t> person_id;
  nlohmann::json detail = nlohmann::json::object();  // ids, codes, reasons
};

struct AuditEntry {
  std::int64_t seq = 0;
  TimePoint at;
  std::string event;
  nlohmann::json body;  // the full canonical body
};

struct AuditVerifyReport {
  std::int64_t entries = 0;  // entries checked
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;  // what is wrong at first_bad_seq ("" when intact)
  bool ok() const { return !first_bad_seq; }
};

// The newest entry of a log: its sequence number and hash (0 and zeros
// when the log is empty).
using AuditHead = std::pair<std::int64_t, crypto::Hash32>;

// The newest entry with its signature, as the node reports it to its hub
// with each batch of checks (reconcile::ReportedAuditHead).
struct SignedAuditHead {
  std::int64_t seq = 0;
  crypto::Hash32 hash{};
  crypto::Ed25519Signature signature{};
};

// Entries built, hashed and signed to follow a given head, not yet written
// (AuditLog::Seal). Signing takes most of an append's CPU, so a writer can
// seal without holding the store's connection and write under it.
struct SealedAuditBatch {
  struct Entry {
    std::string body;  // canonical JSON
    crypto::Hash32 hash{};
    std::optional<crypto::Ed25519Signature> signature;  // on the batch's last entry only
    TimePoint at;                                       // the entry's time: its event's, or the batch's
  };
  AuditHead follows;  // the head the first entry chains to
  TimePoint at;       // when the batch was sealed
  std::vector<Entry> entries;
  // The head after these entries are written.
  AuditHead head_after() const {
    return entries.empty() ? follows
                           : AuditHead{follows.first + static_cast<std::int64_t>(entries.size()), entries.back().hash};
  }
};

// Threading: like the Store it wraps (one thread), except Seal(), which
// touches no store and may run on any thread at any time.
class AuditLog {
 public:
  // `store`, `signing_key` and `clock` must outlive the log.
  AuditLog(store::Store& store, const crypto::SecretBuffer& signing_key, const crypto::Ed25519PublicKey& public_key,
           const Clock& clock)
      : store_(store), signing_key_(signing_key), public_key_(public_key), clock_(clock) {}

  // Appends one entry. Runs inside the caller's transaction if one is open
  // (so a record and its audit entry commit together), else in its own.
  // Returns the entry's sequence number.
  [[nodiscard]] Result<std::int64_t> Append(const AuditEvent& event);

  // Appends `events` in order as consecutive entries, all in one
  // transaction (the caller's if one is open, else its own): all of them
  // or none. Returns the first entry's sequence number.
  //
  // With `sealed` (from Seal() of the same events), its entries are written
  // as they are if the log's head, read inside the transaction, is still
  // the head they follow; otherwise (another writer appended meanwhile) the
  // events are sealed again to follow the actual head. With `head_after`,
  // receives the log's head once the entries are written (valid after the
  // transaction commits). `at` as for Seal().
  [[nodiscard]] Result<std::int64_t> AppendBatch(std::span<const AuditEvent* const> events,
                                                 const SealedAuditBatch* sealed = nullptr,
                                                 AuditHead* head_after = nullptr,
                                                 std::span<const std::optional<TimePoint>> at = {});

  // Builds and hashes `events` as the entries that would follow `head`,
  // stamped with the clock's time now, and signs the last one. Writes
  // nothing. `at`, when not empty, holds one time per event: when it
  // happened, for events written later than that (record openings kept in
  // the audit journal first, journal.h); nullopt: the clock's time.
  [[nodiscard]] SealedAuditBatch Seal(std::span<const AuditEvent* const> events, const AuditHead& head,
                                      std::span<const std::optional<TimePoint>> at = {}) const;

  // Checks every entry in order.
  [[nodiscard]] Result<AuditVerifyReport> Verify();

  // The store the log is in (for a caller that writes other rows in the
  // transaction of an append).
  store::Store& store() { return store_; }

  // Writes every entry as one JSON line: the body plus "hash", "prev_hash"
  // and, on the entries that carry one, "signature" (hex), so the regional
  // office can verify it again.
  [[nodiscard]] Status ExportJsonLines(std::ostream& out);

  // The newest entry's sequence number and hash (0 and zeros when empty).
  [[nodiscard]] Result<AuditHead> Head();
  // The newest entry with its signature; nullopt when the log is empty or
  // its newest entry is unsigned (a damaged log: Verify() says where).
  [[nodiscard]] Result<std::optional<SignedAuditHead>> SignedHead();

 private:
  store::Store& store_;
  const crypto::SecretBuffer& signing_key_;
  crypto::Ed25519PublicKey public_key_;
  const Clock& clock_;
  // Prepared on first use and kept: every record opened appends an entry.
  std::optional<store::Statement> head_statement_;
  std::optional<store::Statement> insert_statement_;
};

// The hash of one entry (exposed for tests and for independent verifiers).
crypto::Hash32 AuditEntryHash(ByteSpan prev_hash, std::string_view body);

}  // namespace akari::node
