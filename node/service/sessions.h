// Login sessions of the local service: short-lived bearer tokens (only
// their hashes are kept, in memory: a restart logs everyone out), the
// records each session may open (granted by a check made in that session),
// the disaster searches it made, and a per-address limit on login attempts.
//
// Threading: every method may be called from any thread (one mutex; no
// I/O is done while holding it).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "node/checks/check_queue.h"
#include "node/operators/operator_store.h"

namespace akari::node {

struct SessionLimits {
  std::chrono::seconds idle{std::chrono::minutes(15)};   // ends after this long without a request
  std::chrono::seconds absolute{std::chrono::hours(8)};  // ends this long after login, whatever happens
  std::size_t max_sessions = 256;                        // the least recently used goes first
  std::size_t max_grants_per_session = 2000;
  std::size_t max_searches_per_session = 20;
};

// Why a session may open one person's record.
struct AccessGrant {
  enum class Basis { kCard, kInsuranceNumbers, kDisasterSearch };
  Basis basis = Basis::kCard;
  std::string check_id;
  // How strongly that check established who the patient is: a printout
  // handed to the next facility says it beside the record.
  Assurance assurance = Assurance::kSignature;
  std::string reason;  // the disaster-search reason; "" otherwise
  TimePoint granted_at;
  // For a disaster search: the declaration of disaster mode it was made
  // under (NodeMode::change_seq); the grant ends with that declaration.
  std::int64_t mode_change_seq = 0;
};

std::string_view GrantBasisName(AccessGrant::Basis basis);

// What a handler knows about the caller.
struct SessionInfo {
  std::string key;  // hex BLAKE2b-256 of the token: names the session in memory, never logged
  std::string operator_id;
  std::string display_name;
  Role role = Role::kClerk;
  TimePoint created_at;
  TimePoint expires_at;  // the earlier of idle and absolute expiry, as of the last request
};

enum class SessionProblem {
  kUnknown,          // never issued, or ended so long ago it is forgotten (a restart forgets all)
  kExpired,          // idle too long or past its absolute end
  kOperatorRemoved,  // ended because its operator was removed
  kOperatorLocked,   // ended because its operator was locked out by wrong PINs
};

class SessionRegistry {
 public:
  SessionRegistry(const Clock& clock, SessionLimits limits) : clock_(clock), limits_(limits) {}

  struct Created {
    std::string token;  // 64 hex characters; shown to the client once
    SessionInfo info;
  };
  Created Create(const Operator& op);

  // Validates `token` and restarts its idle timer.
  std::expected<SessionInfo, SessionProblem> Touch(std::string_view token);
  // Ends one session; false if it did not exist.
  bool Revoke(std::string_view session_key);
  // Ends every session of an operator (removed or locked out). Until those
  // sessions would have ended anyway, Touch answers their tokens with
  // `why`, so every tablet still using one is told why, not only the first.
  void RevokeOperator(std::string_view operator_id, SessionProblem why);

  void Grant(std::string_view session_key, std::int64_t person_id, AccessGrant grant);
  std::optional<AccessGrant> FindGrant(std::string_view session_key, std::int64_t person_id);

  // A disaster search's candidates, so that only they can be selected,
  // and only under the declaration of disaster mode it was made under.
  void RememberSearch(std::string_view session_key, std::string search_id, std::string reason,
                      std::vector<std::int64_t> person_ids, std::int64_t mode_change_seq);
  // The search's reason when `person_id` was one of its candidates and
  // disaster mode is still the one it was made under (`mode_change_seq`).
  std::optional<std::string> SearchCandidate(std::string_view session_key, std::string_view search_id,
                                             std::int64_t person_id, std::int64_t mode_change_seq);

  std::size_t size();
  const SessionLimits& limits() const { return limits_; }

 private:
  struct Search {
    std::string id;
    std::string reason;
    std::vector<std::int64_t> person_ids;
    std::int64_t mode_change_seq = 0;
  };
  struct Session {
    SessionInfo info;
    TimePoint last_used;
    std::map<std::int64_t, AccessGrant> grants;
    std::deque<Search> searches;
  };
  TimePoint ExpiryOf(const Session& s) const;
  void PurgeLocked(TimePoint now);

  const Clock& clock_;
  SessionLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;  // by key
  struct Ended {
    SessionProblem why;
    TimePoint until;  // the session's absolute end: forgotten after it
  };
  std::unordered_map<std::string, Ended> ended_;  // by key; at most limits_.max_sessions
};

// Counts login attempts per client address in a sliding window.
class LoginRateLimiter {
 public:
  LoginRateLimiter(const Clock& clock, int max_attempts, std::chrono::seconds window)
      : clock_(clock), max_attempts_(max_attempts), window_(window) {}

  struct Refusal {
    std::chrono::seconds wait;  // until the address may try again
    // The first refusal since the address was last admitted: worth
    // recording. The rest of a flood is not, or it would fill the disk.
    bool first;
  };

  // Counts one attempt from `address`. Returns a refusal when the address
  // has used up its attempts (the attempt is then not counted).
  std::optional<Refusal> Admit(std::string_view address);

 private:
  struct Address {
    std::deque<TimePoint> attempts;
    bool refused = false;  // refused since last admitted
  };
  const Clock& clock_;
  int max_attempts_;
  std::chrono::seconds window_;
  std::mutex mu_;
  std::unordered_map<std::string, Address> addresses_;
};

}  // namespace akari::node
