// The check queue: every eligibility check this node makes, by any method,
// as a durable, node-signed record (ARCHITECTURE.md section 7). A check is
// written (fsync'd) before its answer is shown and is never edited; the
// hub's later answer is stored beside it (check_result).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/keys.h"
#include "crypto/secret_buffer.h"
#include "node/store/store.h"
#include "sync/reconcile/protocol.h"

namespace akari::node {

// How the patient was identified.
enum class CheckMethod {
  kCard,              // My Number Card chip
  kInsuranceNumbers,  // 保険者番号・記号・番号・枝番 typed from a 資格確認書 or old card
  kDisasterSearch,    // demographic search in disaster mode
  kSelfReported,      // what the patient states; no record in this region
};

// How strongly identity was established (recorded with every check).
enum class Assurance {
  kSignature,     // card certificate + PIN + challenge signature
  kCertificate,   // card certificate read, no PIN (顔認証カード): staff checked the face
  kNumbers,       // insurance numbers + birth date typed in
  kDemographic,   // kana name, birth date, sex, address in disaster mode
  kSelfReported,  // the patient's statement only
};

std::string_view CheckMethodName(CheckMethod m);
std::string_view AssuranceName(Assurance a);
std::optional<CheckMethod> ParseCheckMethod(std::string_view name);
std::optional<Assurance> ParseAssurance(std::string_view name);

// The node's own answer at the time of the check.
//   status: "covered" | "not_covered" | "unknown_person" | "identity_not_confirmed"
struct LocalAnswer {
  std::string status;
  nlohmann::json coverage =
      nullptr;  // the coverage relied on (insurer_number, symbol, number, branch, copay_percent, valid_from, valid_to)
  std::string detail;  // a short reason in English, no personal data
  // Names `detail` for clients that word it themselves (the staff UI in
  // Japanese); empty exactly when `detail` is. Stable: see docs/api.md.
  std::string detail_code;
};

struct CheckInput {
  CheckMethod method = CheckMethod::kCard;
  Assurance assurance = Assurance::kSignature;
  std::string operator_id;                          // "" when made from the CLI
  std::string facility;                             // 医療機関コード or site name
  nlohmann::json claim = nlohmann::json::object();  // what was presented
  std::optional<std::int64_t> person_id;
  LocalAnswer answer;
};

struct CheckRecord {
  std::int64_t seq = 0;
  std::string id;  // "<node id>-<seq>": unique across nodes, the hub's idempotency key
  TimePoint created_at;
  CheckMethod method = CheckMethod::kCard;
  Assurance assurance = Assurance::kSignature;
  std::optional<std::int64_t> person_id;
  std::int64_t data_version = 0;
  std::string body;           // canonical JSON that was signed
  Bytes signature;            // Ed25519 over "akari-check/1" || body
  bool acknowledged = false;  // the hub has committed it
};

// Threading: like the Store it wraps (one thread).
class CheckQueue {
 public:
  CheckQueue(store::Store& store, std::string node_id, const crypto::SecretBuffer& signing_key, const Clock& clock)
      : store_(store), node_id_(std::move(node_id)), signing_key_(signing_key), clock_(clock) {}

  // Writes a check durably (synchronous=FULL) in its own transaction, or in
  // the caller's if one is open (the caller must then commit durably).
  // The snapshot version in use is recorded with it.
  [[nodiscard]] Result<CheckRecord> Record(const CheckInput& input);

  [[nodiscard]] Result<std::optional<CheckRecord>> Get(std::string_view id);
  // Checks with seq > after_seq, oldest first, at most `limit`.
  [[nodiscard]] Result<std::vector<CheckRecord>> List(std::int64_t after_seq, std::size_t limit);
  // The `limit` newest checks (the highest numbers), oldest first. For
  // lists of recent checks: starting List() at "the count minus `limit`"
  // misses the checks recorded since the count was read.
  [[nodiscard]] Result<std::vector<CheckRecord>> Newest(std::size_t limit);
  // Checks the hub has not yet acknowledged, oldest first.
  [[nodiscard]] Result<std::vector<CheckRecord>> Pending(std::size_t limit);

 private:
  store::Store& store_;
  std::string node_id_;
  const crypto::SecretBuffer& signing_key_;
  const Clock& clock_;
};

// The highest number a check of this node has, or may have had elsewhere:
// the newest check recorded here, or the floor SkipCheckNumbers set,
// whichever is higher. The next check is numbered one above it.
[[nodiscard]] Result<std::int64_t> HighestCheckSeq(store::Store& store);

// Leaves the next `count` check numbers unused: a restored node's original
// may have recorded (and uploaded) checks under them after the backup, and
// the hub keeps the first check it receives under an id and refuses
// another. In the caller's transaction if one is open. Returns the number
// the next check will take.
[[nodiscard]] Result<std::int64_t> SkipCheckNumbers(store::Store& store, std::int64_t count);

// The bytes a check signature covers (defined with the protocol the hub
// verifies it by).
using sync::reconcile::CheckSigningInput;

}  // namespace akari::node
