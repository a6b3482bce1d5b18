#include "node/operators/operator_store.h"

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>
#include <string_view>

#include "node/operators/errors.h"

namespace akari::node {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoles = {{
    {Role::kAdmin, "admin"},
    {Role::kDoctor, "doctor"},
    {Role::kPharmacist, "pharmacist"},
    {Role::kNurse, "nurse"},
    {Role::kClerk, "clerk"},
}};

constexpr std::string_view kOperatorColumns =
    "SELECT id, display_name, role, created_at, failed_logins, locked_until, removed_at FROM operator ";

Operator ReadOperatorRow(const store::Statement& s) {
  Operator op;
  op.id = s.ColumnText(0);
  op.display_name = s.ColumnText(1);
  op.role = ParseRole(s.ColumnText(2)).value_or(Role::kClerk);
  op.created_at = FromUnixSeconds(s.ColumnInt(3));
  op.failed_logins = static_cast<int>(s.ColumnInt(4));
  if (s.ColumnInt(5) != 0) op.locked_until = FromUnixSeconds(s.ColumnInt(5));
  if (!s.ColumnIsNull(6)) op.removed_at = FromUnixSeconds(s.ColumnInt(6));
  return op;
}

// Counts UTF-8 code points; -1 when `text` is not valid UTF-8 or holds
// control characters.
long CountCharacters(std::string_view text) {
  long n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > text.size()) return -1;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return -1;
    }
    if (c < 0x20 || c == 0x7f) return -1;
    i += len;
    ++n;
  }
  return n;
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "clerk";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [r, n] : kRoles) {
    if (n == name) return r;
  }
  return std::nullopt;
}

bool IsClinical(Role role) {
  return role == Role::kDoctor || role == Role::kPharmacist || role == Role::kNurse;
}

std::string OperatorIdProblem(std::string_view id) {
  if (id.empty() || id.size() > 32) return "an operator id has 1 to 32 characters";
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  if (!std::all_of(id.begin(), id.end(), allowed))
    return "an operator id may hold only lower-case letters a-z, digits, '.', '_' and '-'";
  if (id.front() == '.' || id.front() == '_' || id.front() == '-')
    return "an operator id starts with a letter or a digit";
  return "";
}

std::string PinProblem(const crypto::SecretBuffer& pin) {
  const std::string_view v = pin.view();
  if (v.size() < 4 || v.size() > 8 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "a PIN is 4 to 8 digits (0-9)";
  return "";
}

Result<Operator> OperatorStore::Add(std::string_view id, std::string_view display_name, Role role,
                                    const crypto::SecretBuffer& pin, const crypto::Argon2idParams& kdf,
                                    const Recorder& record) {
  if (std::string problem = OperatorIdProblem(id); !problem.empty())
    return MakeError(OperatorErrc::kInvalidArgument, "operator id \"" + std::string(id) + "\": " + problem);
  const long name_chars = CountCharacters(display_name);
  if (name_chars < 1 || name_chars > 64)
    return MakeError(OperatorErrc::kInvalidArgument,
                     "the display name must be 1 to 64 characters of text without control characters");
  if (std::string problem = PinProblem(pin); !problem.empty())
    return MakeError(OperatorErrc::kInvalidArgument, "the PIN was not accepted: " + problem);
  AKARI_ASSIGN_OR_RETURN(std::optional<Operator> existing, Get(id));
  if (existing) {
    return MakeError(OperatorErrc::kExists,
                     "operator id \"" + std::string(id) + "\" is already " +
                         (existing->removed_at ? "used by a removed operator (ids are never reused, so the audit "
                                                 "log stays unambiguous); choose another id"
                                               : "in use; choose another id or remove that operator first"));
  }
  AKARI_ASSIGN_OR_RETURN(std::string hash, crypto::HashSecretArgon2idString(pin.span(), kdf));
  Operator op;
  op.id = std::string(id);
  op.display_name = std::string(display_name);
  op.role = role;
  op.created_at = FromUnixSeconds(ToUnixSeconds(clock_.Now()));
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(store_.database(), /*durable=*/true));
  AKARI_ASSIGN_OR_RETURN(store::Statement insert,
                         store_.database().Prepare("INSERT INTO operator(id, display_name, role, pin_hash, created_at) "
                                                   "VALUES (?, ?, ?, ?, ?)"));
  AKARI_TRY(insert.Bind(1, op.id)
                .Bind(2, op.display_name)
                .Bind(3, RoleName(role))
                .Bind(4, hash)
                .Bind(5, ToUnixSeconds(op.created_at))
                .Run());
  if (record) AKARI_TRY(record(op));
  AKARI_TRY(tx.Commit());
  return op;
}

Result<std::vector<Operator>> OperatorStore::List(bool include_removed) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s, store_.database().Prepare(
                                                 std::string(kOperatorColumns) +
                                                 (include_removed ? "" : "WHERE removed_at IS NULL ") + "ORDER BY id"));
  std::vector<Operator> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadOperatorRow(s));
  }
  return out;
}

Result<std::optional<Operator>> OperatorStore::Get(std::string_view id) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s, store_.database().Prepare(std::string(kOperatorColumns) + "WHERE id = ?"));
  s.Bind(1, id);
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Operator>();
  Operator op = ReadOperatorRow(s);
  s.Reset();
  return std::optional<Operator>(std::move(op));
}

Result<bool> OperatorStore::IsActive(std::string_view id) {
  if (!is_active_) {
    AKARI_ASSIGN_OR_RETURN(store::Statement s,
                           store_.database().Prepare("SELECT 1 FROM operator WHERE id = ? AND removed_at IS NULL"));
    is_active_.emplace(std::move(s));
  }
  is_active_->Bind(1, id);
  AKARI_ASSIGN_OR_RETURN(bool row, is_active_->Step());
  is_active_->Reset();
  return row;
}

Status OperatorStore::Remove(std::string_view id) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s, store_.database().Prepare("UPDATE operator SET removed_at = ? WHERE id = "
                                                                       "? AND removed_at IS NULL"));
  AKARI_TRY(s.Bind(1, ToUnixSeconds(clock_.Now())).Bind(2, id).Run());
  if (store_.database().Changes() == 0)
    return MakeError(OperatorErrc::kNotFound,
                     "there is no active operator \"" + std::string(id) + "\" (see akari operator list)");
  return {};
}

Status OperatorStore::Unlock(std::string_view id) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s,
                         store_.database().Prepare("UPDATE operator SET failed_logins = 0, locked_until = 0 WHERE id = "
                                                   "? AND removed_at IS NULL"));
  AKARI_TRY(s.Bind(1, id).Run());
  if (store_.database().Changes() == 0)
    return MakeError(OperatorErrc::kNotFound,
                     "there is no active operator \"" + std::string(id) + "\" (see akari operator list)");
  return {};
}

Result<std::string> OperatorStore::PinHash(std::string_view id) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s, store_.database().Prepare("SELECT pin_hash FROM operator WHERE id = ?"));
  s.Bind(1, id);
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  std::string hash = row ? s.ColumnText(0) : std::string();
  s.Reset();
  return hash;
}

int OperatorStore::TriesBeforeLockout(const Operator& op) const {
  return policy_.max_failures - op.failed_logins % policy_.max_failures;
}

namespace {

// One login at a time per operator id, across the service's workers (each
// has its own OperatorStore and connection). Without it, logins checked in
// parallel all passed the lock check before any counted its failure: more
// than five tries per lockout, and a right PIN among them reset a lock just
// set. Ids share one of these stripes by hash; logins are rare.
std::mutex& LoginGate(std::string_view id) {
  static std::array<std::mutex, 64> gates;
  return gates[std::hash<std::string_view>{}(id) % gates.size()];
}

}  // namespace

Result<Operator> OperatorStore::Authenticate(std::string_view id, const crypto::SecretBuffer& pin) {
  std::lock_guard gate(LoginGate(id));
  AKARI_ASSIGN_OR_RETURN(std::optional<Operator> op, Get(id));
  if (!op || op->removed_at) {
    return MakeError(OperatorErrc::kNotFound,
                     "the operator id or PIN is wrong; check both (an admin can list operators with akari operator "
                     "list)");
  }
  const TimePoint now = clock_.Now();
  if (op->LockedAt(now)) {
    return MakeError(OperatorErrc::kLocked, "too many wrong PINs: operator \"" + op->id + "\" is locked until " +
                                                FormatUtc(*op->locked_until) +
                                                "; wait, or ask an admin to run akari operator unlock");
  }
  if (std::string problem = PinProblem(pin); !problem.empty())
    return MakeError(OperatorErrc::kInvalidArgument, "the PIN was not accepted: " + problem);
  AKARI_ASSIGN_OR_RETURN(std::string hash, PinHash(id));
  if (!crypto::VerifySecretArgon2idString(hash, pin.span())) {
    AKARI_ASSIGN_OR_RETURN(Operator updated, RecordFailure(*op));
    if (updated.LockedAt(now)) {
      return MakeError(OperatorErrc::kLocked, "wrong PIN, and that was too many: operator \"" + op->id +
                                                  "\" is locked until " + FormatUtc(*updated.locked_until) +
                                                  "; wait, or ask an admin to run akari operator unlock");
    }
    const int left = TriesBeforeLockout(updated);
    return MakeError(OperatorErrc::kWrongPin, "the operator id or PIN is wrong; " + std::to_string(left) +
                                                  (left == 1 ? " try" : " tries") + " left before a lockout");
  }
  if (op->failed_logins != 0 || op->locked_until) {
    AKARI_ASSIGN_OR_RETURN(store::Statement reset,
                           store_.database().Prepare("UPDATE operator SET failed_logins = 0, locked_until = 0 "
                                                     "WHERE id = ?"));
    AKARI_TRY(reset.Bind(1, id).Run());
    op->failed_logins = 0;
    op->locked_until.reset();
  }
  return *op;
}

Result<Operator> OperatorStore::RecordFailure(const Operator& op) {
  store::Database& db = store_.database();
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db, /*durable=*/true));
  AKARI_ASSIGN_OR_RETURN(store::Statement bump,
                         db.Prepare("UPDATE operator SET failed_logins = failed_logins + 1 WHERE id = ?"));
  AKARI_TRY(bump.Bind(1, op.id).Run());
  AKARI_ASSIGN_OR_RETURN(std::optional<Operator> now_op, Get(op.id));
  if (!now_op) return MakeError(OperatorErrc::kNotFound, "operator \"" + op.id + "\" disappeared during login");
  if (now_op->failed_logins % policy_.max_failures == 0) {
    // The n-th lockout lasts lock_for * 2^(n-1), capped.
    const int nth = now_op->failed_logins / policy_.max_failures;
    auto lock = policy_.lock_for;
    for (int i = 1; i < nth && lock < policy_.max_lock; ++i) lock *= 2;
    lock = std::min(lock, policy_.max_lock);
    const TimePoint until = clock_.Now() + lock;
    AKARI_ASSIGN_OR_RETURN(store::Statement set_lock, db.Prepare("UPDATE operator SET locked_until = ? WHERE id = ?"));
    // Rounded up so that a lock never ends before the moment it was meant to.
    AKARI_TRY(set_lock.Bind(1, ToUnixSeconds(until) + 1).Bind(2, op.id).Run());
    now_op->locked_until = FromUnixSeconds(ToUnixSeconds(until) + 1);
  }
  AKARI_TRY(tx.Commit());
  return *now_op;
}

}  // namespace akari::node
