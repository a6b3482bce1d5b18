// Card verification: proves who the patient is from the My Number Card chip
// with no network (ARCHITECTURE.md section 6, docs/card.md), and records the
// eligibility check that follows.
//
// Steps: connect (card transaction) → detect the JPKI application → read the
// user-authentication certificate → path to the trust material's CAs,
// validity at the node's clock (never earlier than the newest signed time
// the node has seen), key usage, revocation (CRL age reported) →
// PIN (optional; the last try is never spent without confirm_last_try; tries
// left always reported) → the card signs a fresh 32-byte random challenge →
// signature verified with the certificate's key → person via the card link →
// coverage as of today (Japan) → check + audit entry, in one durable
// transaction.
//
// What is recorded:
//  - identity confirmed (covered, not_covered, unknown_person) and identity
//    refused (the card failed a check: untrusted, expired, not yet valid,
//    revoked or otherwise invalid certificate, or a challenge signature that
//    does not verify, e.g. a cloned card, or none after the chip accepted
//    the PIN): a check in the CheckQueue
//    (method card, LocalAnswer status as below) and an audit entry
//    "card.verify" naming the reason, committed together;
//  - not completed (no card, card removed, wrong or blocked PIN, last try
//    not confirmed, not a My Number Card, garbage answers, reader or service
//    problems, a clock behind the revocation list's date): an audit entry
//    "card.verify" with the reason code only, no check (no verdict about the
//    card was reached).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"
#include "crypto/x509_verify.h"
#include "node/audit/audit_log.h"
#include "node/card/card_access.h"
#include "node/card/identity_card.h"
#include "node/checks/check_queue.h"
#include "node/store/store.h"

namespace akari::card {

struct VerificationRequest {
  std::string reader;                       // "" = the only reader holding a card
  std::optional<crypto::SecretBuffer> pin;  // 4 ASCII digits; nullopt = certificate only (no PIN)
  // For interactive use instead of `pin`: called at the PIN step (after the
  // certificate passed, never when the PIN is blocked or its last try is not
  // confirmed) with what the card says, so the prompt can show the tries
  // left. Its error ends the verification as incomplete (code pin_not_given,
  // with the error's message).
  std::function<Result<crypto::SecretBuffer>(const PinStatus& status)> ask_pin;
  bool confirm_last_try = false;           // the patient confirmed: spend the PIN's last try
  std::string operator_id;                 // recorded with the check; "" from the CLI (audit actor "cli")
  std::string facility;                    // 医療機関コード or site name, recorded with the check
  std::chrono::milliseconds card_wait{0};  // how long to wait for a card to be inserted
};

// What a verification uses; all must outlive the call. Give each thread its
// own store connection, queue and audit log; `cards` may be shared.
struct VerificationContext {
  store::Store& store;
  node::CheckQueue& queue;
  node::AuditLog& audit;
  const Clock& clock;
  CardAccess& cards;
};

// The overall result; the first four names equal LocalAnswer::status.
enum class VerificationStatus {
  kCovered,               // identity confirmed, coverage in force today
  kNotCovered,            // identity confirmed, no coverage today
  kUnknownPerson,         // identity confirmed, but no person in this region's data is linked to the card
  kIdentityNotConfirmed,  // refused: the card failed a check (code says which)
  kIncomplete,            // stopped before a verdict: nothing but the audit entry was recorded
};

// The machine-readable reason (docs/card.md lists each with what staff do).
enum class VerificationCode {
  // identity confirmed
  kCovered,
  kNotCovered,
  kUnknownPerson,
  // identity refused
  kCertificateUntrusted,
  kCertificateExpired,
  kCertificateNotYetValid,
  kCertificateRevoked,
  kCertificateInvalid,
  kSignatureInvalid,
  // not completed
  kPinWrong,
  kPinBlocked,
  kPinLastTry,
  kPinFormat,
  kPinNotGiven,
  kNoTrustMaterial,
  kClockBehind,
  kNoCard,
  kSeveralCards,
  kNoReader,
  kReaderNotFound,
  kReaderGone,
  kCardRemoved,
  kCardBusy,
  kCardUnresponsive,
  kNotIdentityCard,
  kCardError,
  kServiceUnavailable,
  kTimeout,
};

std::string_view StatusName(VerificationStatus status);  // "covered", …, "identity_not_confirmed", "incomplete"
std::string_view CodeName(VerificationCode code);        // "covered", "certificate_revoked", "pin_wrong", …
VerificationStatus StatusOf(VerificationCode code);

struct PinReport {
  bool used = false;              // a PIN was given for this verification
  bool verified = false;          // the card accepted it
  bool blocked = false;           // no tries left: reset only at the city office (市区町村の窓口)
  std::optional<int> tries_left;  // as the card last reported it; nullopt when unknown (also after a VERIFY
                                  // without a clear answer: a try may have been spent)
};

struct CertificateReport {
  std::string issuer;  // RFC 2253
  std::string serial;  // hex, big-endian
  TimePoint not_before;
  TimePoint not_after;
};

struct VerificationTiming {
  int apdus = 0;                        // every APDU sent, GET RESPONSE included
  std::chrono::nanoseconds card{0};     // waiting for APDU answers
  std::chrono::nanoseconds connect{0};  // connecting to and releasing the card (PC/SC)
  std::chrono::nanoseconds total{0};    // the whole call
  std::chrono::nanoseconds node() const { return total - card - connect; }  // the node's own work
};

struct VerificationOutcome {
  VerificationStatus status = VerificationStatus::kIncomplete;
  VerificationCode code = VerificationCode::kCardError;
  std::string message;                       // for staff: what happened and what to do
  std::string reader;                        // the reader used ("" when none was reached)
  std::string token_label;                   // e.g. "JPKIAPICCTOKEN2" ("" when not read)
  std::optional<node::Assurance> assurance;  // kSignature (PIN + challenge) or kCertificate (no PIN)
  PinReport pin;
  std::optional<std::int64_t> person_id;
  nlohmann::json coverage = nullptr;  // the coverage relied on (LocalAnswer::coverage)
  std::string detail;                 // LocalAnswer::detail
  std::string detail_code;            // LocalAnswer::detail_code
  std::optional<std::string> check_id;
  std::optional<std::int64_t> audit_seq;
  std::optional<CertificateReport> certificate;
  std::optional<crypto::RevocationReport> revocation;
  VerificationTiming timing;

  bool identity_confirmed() const {
    return status == VerificationStatus::kCovered || status == VerificationStatus::kNotCovered ||
           status == VerificationStatus::kUnknownPerson;
  }
};

// JSON for the API and `akari card verify --json` (docs/card.md shows it).
nlohmann::json ToJson(const VerificationOutcome& outcome);

// Runs one verification (see the top of this file). Card, PIN and
// certificate problems are outcomes, not errors. Errors are the node's own
// failures (store read or write, audit append, secure memory); then no check
// was recorded and nothing may be shown as an answer.
[[nodiscard]] Result<VerificationOutcome> VerifyCard(const VerificationRequest& request,
                                                     const VerificationContext& context);

// What a card in a reader says before anything is verified (to show the
// PIN's tries left before asking for it). Reads no certificate and records
// nothing. Errors: as CardAccess::Open and DetectIdentityCard.
struct CardProbe {
  std::string reader;
  std::string token_label;
  PinStatus pin;
};
[[nodiscard]] Result<CardProbe> ProbeCard(CardAccess& cards, std::string_view reader, std::chrono::milliseconds wait);

}  // namespace akari::card
