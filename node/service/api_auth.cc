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

}  // namespace

net::Response Service::Impl::Login(Call& call) {
  static constexpr std::array<FieldSpec, 2> kFields = {{
      {"operator_id", FieldType::kString, true, 32},
      {"pin", FieldType::kString, true, 8},
  }};
  if (auto wait = login_limiter.Admit(call.request.remote_address)) {
    Audit({"login.failed", "unknown", std::nullopt, {{"reason", "rate_limited"}}});
    net::Response r = net::Response::Error(
        429, "too_many_attempts",
        "too many login attempts from this device; wait " + std::to_string(wait->count()) + " seconds");
    r.headers.Set("Retry-After", std::to_string(wait->count()));
    return r;
  }
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string operator_id = body->at("operator_id").get<std::string>();
  nlohmann::json& pin_text = body->at("pin");
  auto pin = crypto::SecretBuffer::CopyOf(AsBytes(pin_text.get_ref<const std::string&>()));
  Wipe(pin_text);
  if (!pin) return StoreFailure(pin.error(), "allocating secure memory for the PIN");
  const std::string actor = OperatorIdProblem(operator_id).empty() ? operator_id : "unknown";

  auto op = call.worker->operators.Authenticate(operator_id, *pin);
  if (!op) {
    const Error& e = op.error();
    std::string reason = "store_error";
    net::Response r;
    if (e.code == OperatorErrc::kNotFound || e.code == OperatorErrc::kWrongPin) {
      reason = e.code == OperatorErrc::kNotFound ? "unknown_operator" : "wrong_pin";
      r = net::Response::Error(401, "invalid_credentials", e.message);
    } else if (e.code == OperatorErrc::kLocked) {
      reason = "locked";
      sessions.RevokeOperator(operator_id);
      r = net::Response::Error(403, "operator_locked", e.message);
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
                              {"operator", OperatorJson(created.info)},
                              {"permissions", PermissionsJson(created.info.role)}});
}

net::Response Service::Impl::Logout(Call& call) {
  sessions.Revoke(call.session->key);
  Audit({"logout", call.session->operator_id, std::nullopt, nlohmann::json::object()});
  return net::Response::Json(200, {{"logged_out", true}});
}

net::Response Service::Impl::SessionInfoGet(Call& call) {
  return net::Response::Json(200, {{"operator", OperatorJson(*call.session)},
                                   {"permissions", PermissionsJson(call.session->role)},
                                   {"expires_at", FormatUtc(call.session->expires_at)}});
}

}  // namespace akari::node
