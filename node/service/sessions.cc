#include "node/service/sessions.h"

#include <algorithm>
#include <array>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "crypto/sodium.h"

namespace akari::node {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMaxTrackedAddresses = 4096;

std::string KeyOf(std::string_view token) {
  const crypto::Hash32 h = crypto::Blake2b256(AsBytes(token));
  return ToHex(h);
}

bool LooksLikeToken(std::string_view token) {
  return token.size() == kTokenBytes * 2 && std::all_of(token.begin(), token.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::string_view GrantBasisName(AccessGrant::Basis basis) {
  switch (basis) {
    case AccessGrant::Basis::kCard:
      return "card";
    case AccessGrant::Basis::kInsuranceNumbers:
      return "insurance_numbers";
    case AccessGrant::Basis::kDisasterSearch:
      return "disaster_search";
  }
  return "card";
}

TimePoint SessionRegistry::ExpiryOf(const Session& s) const {
  return std::min(s.last_used + limits_.idle, s.info.created_at + limits_.absolute);
}

void SessionRegistry::PurgeLocked(TimePoint now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now >= ExpiryOf(it->second) ? sessions_.erase(it) : std::next(it);
  }
  while (sessions_.size() >= limits_.max_sessions && !sessions_.empty()) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    sessions_.erase(oldest);
  }
}

SessionRegistry::Created SessionRegistry::Create(const Operator& op) {
  std::array<std::uint8_t, kTokenBytes> raw{};
  crypto::RandomBytes(raw);
  Created out;
  out.token = ToHex(raw);
  const TimePoint now = clock_.Now();
  Session s;
  s.info.key = KeyOf(out.token);
  s.info.operator_id = op.id;
  s.info.display_name = op.display_name;
  s.info.role = op.role;
  s.info.created_at = now;
  s.last_used = now;
  s.info.expires_at = ExpiryOf(s);
  out.info = s.info;
  std::lock_guard lock(mu_);
  if (sessions_.size() >= limits_.max_sessions) PurgeLocked(now);
  sessions_.emplace(s.info.key, std::move(s));
  return out;
}

std::expected<SessionInfo, SessionProblem> SessionRegistry::Touch(std::string_view token) {
  if (!LooksLikeToken(token)) return std::unexpected(SessionProblem::kUnknown);
  const std::string key = KeyOf(token);
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) {
    if (auto e = ended_.find(key); e != ended_.end() && now < e->second.until) return std::unexpected(e->second.why);
    return std::unexpected(SessionProblem::kUnknown);
  }
  if (now >= ExpiryOf(it->second)) {
    sessions_.erase(it);
    return std::unexpected(SessionProblem::kExpired);
  }
  it->second.last_used = now;
  it->second.info.expires_at = ExpiryOf(it->second);
  return it->second.info;
}

bool SessionRegistry::Revoke(std::string_view session_key) {
  std::lock_guard lock(mu_);
  return sessions_.erase(std::string(session_key)) > 0;
}

void SessionRegistry::RevokeOperator(std::string_view operator_id, SessionProblem why) {
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.info.operator_id != operator_id) {
      ++it;
      continue;
    }
    if (ended_.size() >= limits_.max_sessions)
      std::erase_if(ended_, [&](const auto& e) { return now >= e.second.until; });
    if (ended_.size() < limits_.max_sessions) ended_[it->first] = {why, it->second.info.created_at + limits_.absolute};
    it = sessions_.erase(it);
  }
}

void SessionRegistry::Grant(std::string_view session_key, std::int64_t person_id, AccessGrant grant) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(std::string(session_key));
  if (it == sessions_.end()) return;
  auto& grants = it->second.grants;
  if (grants.size() >= limits_.max_grants_per_session && !grants.contains(person_id)) {
    auto oldest = std::min_element(grants.begin(), grants.end(), [](const auto& a, const auto& b) {
      return a.second.granted_at < b.second.granted_at;
    });
    grants.erase(oldest);
  }
  grants[person_id] = std::move(grant);
}

std::optional<AccessGrant> SessionRegistry::FindGrant(std::string_view session_key, std::int64_t person_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(std::string(session_key));
  if (it == sessions_.end()) return std::nullopt;
  auto g = it->second.grants.find(person_id);
  if (g == it->second.grants.end()) return std::nullopt;
  return g->second;
}

void SessionRegistry::RememberSearch(std::string_view session_key, std::string search_id, std::string reason,
                                     std::vector<std::int64_t> person_ids, std::int64_t mode_change_seq) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(std::string(session_key));
  if (it == sessions_.end()) return;
  auto& searches = it->second.searches;
  if (searches.size() >= limits_.max_searches_per_session) searches.pop_front();
  searches.push_back({std::move(search_id), std::move(reason), std::move(person_ids), mode_change_seq});
}

std::optional<std::string> SessionRegistry::SearchCandidate(std::string_view session_key, std::string_view search_id,
                                                            std::int64_t person_id, std::int64_t mode_change_seq) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(std::string(session_key));
  if (it == sessions_.end()) return std::nullopt;
  for (const Search& s : it->second.searches) {
    if (s.id != search_id) continue;
    if (s.mode_change_seq != mode_change_seq) return std::nullopt;
    if (std::find(s.person_ids.begin(), s.person_ids.end(), person_id) == s.person_ids.end()) return std::nullopt;
    return s.reason;
  }
  return std::nullopt;
}

std::size_t SessionRegistry::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::optional<LoginRateLimiter::Refusal> LoginRateLimiter::Admit(std::string_view address) {
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  if (addresses_.size() >= kMaxTrackedAddresses) {
    for (auto it = addresses_.begin(); it != addresses_.end();) {
      const auto& times = it->second.attempts;
      it = (times.empty() || now - times.back() >= window_) ? addresses_.erase(it) : std::next(it);
    }
  }
  Address& a = addresses_[std::string(address)];
  while (!a.attempts.empty() && now - a.attempts.front() >= window_) a.attempts.pop_front();
  if (static_cast<int>(a.attempts.size()) >= max_attempts_) {
    const auto wait = std::chrono::ceil<std::chrono::seconds>(a.attempts.front() + window_ - now);
    const bool first = !a.refused;
    a.refused = true;
    return Refusal{std::max(wait, std::chrono::seconds(1)), first};
  }
  a.attempts.push_back(now);
  a.refused = false;
  return std::nullopt;
}

}  // namespace akari::node
