// The hub's side of reconciliation: one uploaded check in, one answer out,
// against the coverage history as of the check's time. Pure logic over a
// PersonDirectory (the hub store implements it), so it is tested without a
// hub.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "sync/reconcile/protocol.h"
#include "sync/record.h"

namespace akari::sync::reconcile {

// Read access to the authoritative records.
class PersonDirectory {
 public:
  virtual ~PersonDirectory() = default;
  virtual Result<std::optional<PersonRecord>> Get(std::int64_t person_id) = 0;
  virtual Result<std::vector<std::int64_t>> FindByCardKey(const crypto::Hash16& key) = 0;
  virtual Result<std::vector<std::int64_t>> FindByInsuranceKey(const crypto::Hash16& key) = 0;
  // Exact kana search key (sync::KanaSearchKey) and birth date.
  virtual Result<std::vector<std::int64_t>> FindByName(Date birth_date, std::string_view kana_key) = 0;
};

struct AnswerContext {
  std::string node_id;                  // the uploading node (enrolled)
  crypto::Ed25519PublicKey node_key{};  // its enrolled signing key
  TimePoint hub_now;
  TimePoint batch_sent_at;  // the node's clock at upload
};

// Answers one check. Store failures of the directory are errors; anything
// wrong with the check itself is an answer (kSignatureInvalid, kMalformed).
// A check whose local answer was "identity_not_confirmed" is answered
// kUnknownPerson: coverage is never confirmed for an unproven identity.
// A self-reported check gets kMatched only when exactly one person matches
// its kana name, birth date and sex (narrowed by address and insurer hints
// when given); otherwise kNoMatch, never a list of candidates.
[[nodiscard]] Result<CheckAnswer> AnswerCheck(const UploadedCheck& check, const AnswerContext& context,
                                              PersonDirectory& directory);

}  // namespace akari::sync::reconcile
