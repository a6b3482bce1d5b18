// Keys of the store's `meta` table: one place so that writers and readers
// agree. Values are text; times are RFC 3339 UTC.
#pragma once

#include <string_view>

namespace akari::store::meta {

inline constexpr std::string_view kNodeId = "node_id";
inline constexpr std::string_view kCreatedAt = "created_at";
inline constexpr std::string_view kRegion = "region";                  // set at enrollment
inline constexpr std::string_view kHubUrl = "hub_url";                 // set at enrollment
inline constexpr std::string_view kDataVersion = "data_version";       // manifest version applied
inline constexpr std::string_view kDataCreatedAt = "data_created_at";  // manifest's signed creation time
// The manifest's as_of, YYYY-MM-DD: the date its records describe (the
// hub's import), which a publication without a new import leaves as it was.
inline constexpr std::string_view kDataRecordsAsOf = "data_records_as_of";
inline constexpr std::string_view kDataExpiresAt = "data_expires_at";  // manifest's signed expiry
inline constexpr std::string_view kSyncedAt = "synced_at";             // local time of the last apply
inline constexpr std::string_view kTrustedTime = "trusted_time";       // newest signed time ever seen
inline constexpr std::string_view kMode = "mode";                      // "normal" or "disaster"
inline constexpr std::string_view kModeReason = "mode_reason";
// The audit seq of the mode.change entry that set the current mode: names
// one declaration of disaster mode, so that what a disaster search allowed
// ends with it (absent on nodes whose mode last changed before it existed).
inline constexpr std::string_view kModeChangeSeq = "mode_change_seq";
// "<generation>:<records merged>" of the audit journal: how far its record
// openings are in the audit log, written in the transaction that moved them
// (node/audit/journal.h).
inline constexpr std::string_view kAuditJournal = "audit_journal";
// BLAKE2b-256 (hex) of the last damaged audit journal reported in the log
// as audit.journal_damaged, so that it is reported once.
inline constexpr std::string_view kAuditJournalDamage = "audit_journal_damage";
// Checks are numbered above this (set by a restore; node/backup.h).
inline constexpr std::string_view kCheckSeqFloor = "check_seq_floor";
// "<seq>:<hash hex>" of the audit head last reported to the hub, made
// durable before it was sent (node/checks/uploader.h).
inline constexpr std::string_view kAuditHeadReported = "audit_head_reported";
// The node's TLS certificate and private key, PEM (node/service/tls_identity.h):
// in the store so that the key is never on disk in the clear and a backup
// carries it. The key is stored as a BLOB and read into locked memory.
inline constexpr std::string_view kTlsCertificatePem = "tls_certificate_pem";
inline constexpr std::string_view kTlsPrivateKeyPem = "tls_private_key_pem";

}  // namespace akari::store::meta
