// Operator accounts: the staff who log in to the local service with an id
// and a 4–8 digit PIN. PINs are kept only as Argon2id PHC strings
// (libsodium crypto_pwhash_str); failed logins and the lockout they cause
// live in the operator row, so a restart does not reset them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/argon2id.h"
#include "crypto/secret_buffer.h"
#include "node/store/store.h"

namespace akari::node {

enum class Role { kAdmin, kDoctor, kPharmacist, kNurse, kClerk };

// "admin", "doctor", "pharmacist", "nurse", "clerk".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
// Doctors, pharmacists and nurses: the roles that see medications and checkups.
bool IsClinical(Role role);

struct Operator {
  std::string id;
  std::string display_name;
  Role role = Role::kClerk;
  TimePoint created_at;
  int failed_logins = 0;                  // consecutive wrong PINs since the last success
  std::optional<TimePoint> locked_until;  // set while (or after) a lockout
  std::optional<TimePoint> removed_at;
  bool LockedAt(TimePoint now) const { return locked_until && now < *locked_until; }
};

// After `max_failures` consecutive wrong PINs an operator is locked for
// `lock_for`; every further `max_failures` wrong PINs double it, up to
// `max_lock`. A correct PIN resets the count.
struct LockoutPolicy {
  int max_failures = 5;
  std::chrono::seconds lock_for{std::chrono::minutes(15)};
  std::chrono::seconds max_lock{std::chrono::hours(24)};
};

// Checks an operator id: 1–32 characters of a–z, 0–9, '.', '_', '-'
// starting with a letter or digit. Returns "" when valid, else why not.
std::string OperatorIdProblem(std::string_view id);
// Checks a PIN: 4–8 ASCII digits. Returns "" when valid, else why not.
std::string PinProblem(const crypto::SecretBuffer& pin);

// Threading: like the Store it wraps (one thread). Several OperatorStores
// on different connections of one database are consistent: counters are
// updated inside write transactions.
class OperatorStore {
 public:
  // `store` and `clock` must outlive this object.
  OperatorStore(store::Store& store, const Clock& clock, LockoutPolicy policy = {})
      : store_(store), clock_(clock), policy_(policy) {}

  // Runs in the transaction that makes a change, so that the change and its
  // record (an audit entry) commit together or not at all.
  using Recorder = std::function<Status(const Operator& op)>;

  // Adds an operator with a hashed PIN; `record` (if given) runs in the
  // insert's transaction, which is begun only after the slow hash. Errors:
  // kInvalidArgument (id, name or PIN malformed; the message says which),
  // kExists (id taken, also by a removed operator), crypto errors from
  // hashing, db errors, and `record`'s error (nothing is added).
  [[nodiscard]] Result<Operator> Add(std::string_view id, std::string_view display_name, Role role,
                                     const crypto::SecretBuffer& pin, const crypto::Argon2idParams& kdf,
                                     const Recorder& record = {});

  // Active operators (and removed ones with `include_removed`), by id.
  [[nodiscard]] Result<std::vector<Operator>> List(bool include_removed = false);

  // One operator (removed ones included), or nullopt.
  [[nodiscard]] Result<std::optional<Operator>> Get(std::string_view id);

  // True when `id` names an operator that is not removed.
  [[nodiscard]] Result<bool> IsActive(std::string_view id);

  // Marks the operator removed (the row stays for the audit trail).
  // Errors: kNotFound (unknown or already removed).
  [[nodiscard]] Status Remove(std::string_view id);

  // Clears a lockout and the failure count. Errors: kNotFound.
  [[nodiscard]] Status Unlock(std::string_view id);

  // Verifies `pin` for `id`. On success resets the failure count and
  // returns the operator. Errors: kNotFound (unknown or removed), kLocked
  // (the PIN is not even tried; the message says until when), kWrongPin
  // (the message says how many tries are left before a lockout, or that
  // this failure caused one), kInvalidArgument (PIN malformed: not counted).
  [[nodiscard]] Result<Operator> Authenticate(std::string_view id, const crypto::SecretBuffer& pin);

  // Wrong PINs `op` may still enter before the next one locks it (1 to
  // max_failures), as Authenticate's kWrongPin message counts them.
  int TriesBeforeLockout(const Operator& op) const;

 private:
  Result<std::string> PinHash(std::string_view id);
  Result<Operator> RecordFailure(const Operator& op);

  store::Store& store_;
  const Clock& clock_;
  LockoutPolicy policy_;
  std::optional<store::Statement> is_active_;  // prepared once: asked on every API request
};

}  // namespace akari::node
