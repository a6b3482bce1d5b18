// POST /v1/login, POST /v1/logout, GET /v1/session.
#include <sodium.h>

#include <array>

#include "base/log.h"
#include "node/operators/errors.h"
#include "node/service/internal/service_impl.h"

namespace akari::node {
namespace {

nlohmann::json OperatorJson(const SessionInfo& s) {
  return {{"id", s.operator_id},
          {"display_name", s.display_name},
          {"role", RoleName(s.role)},
          {"clinical", IsClinical(s.role)}};
}

nlohmann::json PermissionsJson(Role role) {
  return {{"eligibility", role != Role::kAdmin},
          {"clinical", IsClinical(role)},
          {"disaster_search", role != Role::kAdmin},
          {"admin", role == Role::kAdmin}};
}

// Wipes a JSON string value in place (the PIN), so no copy outlives the call.
void Wipe(nlohmann::json& value) {
  if (!value.is_string()) return;
  std::string& s = value.get_ref<std::string&>();
  sodium_memzero(s.data(), s.size());
  s.clear();
}

// A refused login with one fact beside the message (tries left, locked
// until, seconds to wait), for a client that words the refusal itself: the
// staff UI in Japanese.
net::Response LoginRefusal(int status, std::string_view code, std::string_view message,
                           std::pair<std::string_view, nlohmann::json> fact) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  error[std::string(fact.first)] = std::move(fact.second);
  return net::Response::Json(status, {{"error", std::move(error)}});
}

// Seconds from now to the session's absolute end, counted on the node's
// clock so that a client with a wrong clock can still count them down.
std::int64_t AbsoluteSecondsLeft(const SessionInfo& s, TimePoint now, std::chrono::seconds absolute) {
  return std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(s.created_at + absolute - now).count());
}

}  // namespace

net::Response Service::Impl::Login(Call& call) {
  static constexpr std::array<FieldSpec, 2> kFields = {{
      {"operator_id", FieldType::kString, true, 32},
      {"pin", FieldType::kString, true, 8},
  }};
  if (auto refusal = login_limiter.Admit(call.request.remote_address)) {
    // Once per address and blocked spell: a flood of refused logins must
    // not fill the disk with entries (and bury the others).
    if (refusal->first) {
      Audit({"login.failed",
             "unknown",
             std::nullopt,
             {{"reason", "rate_limited"}, {"address", call.request.remote_address}}});
      Log(LogLevel::kWarn, "service.login_rate_limited", {{"address", call.request.remote_address}});
    }
    const std::int64_t wait = refusal->wait.count();
    net::Response r = LoginRefusal(
        429, "too_many_attempts", "too many login attempts from this device; wait " + std::to_string(wait) + " seconds",
        {"retry_after_seconds", wait});
    r.headers.Set("Retry-After", std::to_string(wait));
    return r;
  }
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string operator_id = body->at("operator_id").get<std::string>();
  nlohmann::json& pin_text = body->at("pin");
  auto pin = crypto::SecretBuffer::CopyOf(AsBytes(pin_text.get_ref<const std::string&>()));
  Wipe(pin_text);
  if (!pin) return StoreFailure(pin.error(), "allocating secure memory for the PIN");
  auto op = call.worker->operators.Authenticate(operator_id, *pin);
  if (!op) {
    const Error& e = op.error();
    // An id no operator has is written nowhere: staff sometimes type the
    // PIN into the id field, and logs and the audit log must never hold
    // a PIN.
    bool known = e.code == OperatorErrc::kWrongPin || e.code == OperatorErrc::kLocked;
    if (!known && e.code != OperatorErrc::kNotFound && OperatorIdProblem(operator_id).empty()) {
      auto found = call.worker->operators.Get(operator_id);
      known = found && *found;
    }
    const std::string actor = known ? operator_id : "unknown";
    std::string reason = "store_error";
    net::Response r;
    if (e.code == OperatorErrc::kNotFound || e.code == OperatorErrc::kWrongPin) {
      reason = e.code == OperatorErrc::kNotFound ? "unknown_operator" : "wrong_pin";
      r = net::Response::Error(401, "invalid_credentials", e.message);
      if (e.code == OperatorErrc::kWrongPin) {
        if (auto now_op = call.worker->operators.Get(operator_id); now_op && *now_op)
          r = LoginRefusal(401, "invalid_credentials", e.message,
                           {"tries_before_lockout", call.worker->operators.TriesBeforeLockout(**now_op)});
      }
    } else if (e.code == OperatorErrc::kLocked) {
      reason = "locked";
      sessions.RevokeOperator(operator_id, SessionProblem::kOperatorLocked);
      r = net::Response::Error(403, "operator_locked", e.message);
      if (auto now_op = call.worker->operators.Get(operator_id); now_op && *now_op && (*now_op)->locked_until)
        r = LoginRefusal(403, "operator_locked", e.message, {"locked_until", FormatUtc(*(*now_op)->locked_until)});
    } else if (e.code == OperatorErrc::kInvalidArgument) {
      reason = "malformed_pin";
      r = net::Response::Error(400, "invalid_pin", e.message);
    } else {
      r = StoreFailure(e, "checking the PIN");
    }
    Audit({"login.failed", actor, std::nullopt, {{"reason", reason}}});
    Log(LogLevel::kWarn, "service.login_failed", {{"operator_id", actor}, {"reason", reason}});
    return r;
  }
  SessionRegistry::Created created = sessions.Create(*op);
  if (auto s = AuditOrFail({"login.ok", op->id, std::nullopt, {{"role", RoleName(op->role)}}}); !s) {
    sessions.Revoke(created.info.key);
    return StoreFailure(s.error(), "writing the login to the audit log");
  }
  Log(LogLevel::kInfo, "service.login", {{"operator_id", op->id}, {"role", RoleName(op->role)}});
  return net::Response::Json(200,
                             {{"token", created.token},
                              {"token_type", "Bearer"},
                              {"expires_at", FormatUtc(created.info.expires_at)},
                              {"idle_timeout_seconds", sessions.limits().idle.count()},
                              {"absolute_expires_at", FormatUtc(created.info.created_at + sessions.limits().absolute)},
                              {"absolute_expires_in_seconds", sessions.limits().absolute.count()},
                              {"operator", OperatorJson(created.info)},
                              {"permissions", PermissionsJson(created.info.role)}});
}

net::Response Service::Impl::Logout(Call& call) {
  sessions.Revoke(call.session->key);
  Audit({"logout", call.session->operator_id, std::nullopt, nlohmann::json::object()});
  return net::Response::Json(200, {{"logged_out", true}});
}

net::Response Service::Impl::SessionInfoGet(Call& call) {
  return net::Response::Json(200,
                             {{"operator", OperatorJson(*call.session)},
                              {"permissions", PermissionsJson(call.session->role)},
                              {"expires_at", FormatUtc(call.session->expires_at)},
                              {"idle_timeout_seconds", sessions.limits().idle.count()},
                              {"absolute_expires_in_seconds",
                               AbsoluteSecondsLeft(*call.session, session_clock.Now(), sessions.limits().absolute)}});
}

}  // namespace akari::node
