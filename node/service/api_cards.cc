// My Number Card checks at a named reader: GET /v1/cards/readers,
// POST /v1/cards/probe (the PIN's tries left before asking for it) and
// POST /v1/cards/verify (PIN or certificate only with a visual face check).
// Every answer about a card carries the PIN's tries left.
#include <sodium.h>

#include <array>

#include "node/card/verification.h"
#include "node/checks/eligibility.h"
#include "node/service/internal/service_impl.h"

namespace akari::node {
namespace {

nlohmann::json PinJson(const card::PinStatus& pin) {
  return {{"tries_left", pin.tries_left ? nlohmann::json(*pin.tries_left) : nlohmann::json(nullptr)},
          {"blocked", pin.blocked},
          {"verified", pin.verified}};
}

net::Response NoCards() {
  return net::Response::Error(503, "card_unavailable",
                              "this node has no card reader access (akari serve runs without PC/SC); check by "
                              "insurance numbers instead");
}

}  // namespace

net::Response Service::Impl::CardReaders(Call& call) {
  (void)call;
  if (options.cards == nullptr) return NoCards();
  auto readers = options.cards->ListReaders();
  if (!readers) return net::Response::Error(503, "card_unavailable", readers.error().message);
  nlohmann::json list = nlohmann::json::array();
  for (const card::ReaderInfo& r : *readers) {
    list.push_back({{"name", r.name}, {"card_present", r.card_present}, {"busy", r.exclusive}, {"mute", r.mute}});
  }
  return net::Response::Json(200, {{"readers", std::move(list)}, {"default_reader", options.default_reader}});
}

net::Response Service::Impl::CardProbe(Call& call) {
  static constexpr std::array<FieldSpec, 1> kFields = {{{"reader", FieldType::kString, false, 128}}};
  if (options.cards == nullptr) return NoCards();
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string reader = StringField(*body, "reader", options.default_reader);
  auto probe = card::ProbeCard(*options.cards, reader, std::chrono::milliseconds(0));
  if (!probe) return net::Response::Error(409, "card_not_ready", probe.error().message);
  return net::Response::Json(200,
                             {{"reader", probe->reader}, {"token", probe->token_label}, {"pin", PinJson(probe->pin)}});
}

net::Response Service::Impl::CardVerify(Call& call) {
  static constexpr std::array<FieldSpec, 4> kFields = {{
      {"reader", FieldType::kString, false, 128},
      {"pin", FieldType::kString, false, 8},
      {"confirm_last_try", FieldType::kBoolean, false, 0},
      {"face_checked", FieldType::kBoolean, false, 0},
  }};
  if (options.cards == nullptr) return NoCards();
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  card::VerificationRequest request;
  request.reader = StringField(*body, "reader", options.default_reader);
  request.confirm_last_try = body->value("confirm_last_try", false);
  request.operator_id = call.session->operator_id;
  request.facility = options.facility;
  if (auto pin = body->find("pin"); pin != body->end() && pin->is_string()) {
    std::string& text = pin->get_ref<std::string&>();
    auto secret = crypto::SecretBuffer::CopyOf(AsBytes(text));
    sodium_memzero(text.data(), text.size());
    if (!secret) return StoreFailure(secret.error(), "allocating secure memory for the PIN");
    request.pin = std::move(*secret);
  } else if (!body->value("face_checked", false)) {
    return net::Response::Error(422, "face_check_required",
                                "without a PIN, compare the photo on the card with the patient and confirm it "
                                "(\"face_checked\": true)");
  }
  // The wall clock: the verification floors it at the node's trusted time
  // itself, and says so when the clock is behind.
  const card::VerificationContext context{call.worker->store, call.worker->checks, call.worker->audit, wall_clock,
                                          *options.cards};
  auto outcome = card::VerifyCard(request, context);
  if (!outcome) return StoreFailure(outcome.error(), "verifying the card");

  nlohmann::json j = {
      {"card", card::ToJson(*outcome)},
      {"tries_left", outcome->pin.tries_left ? nlohmann::json(*outcome->pin.tries_left) : nlohmann::json(nullptr)},
      {"answer", nullptr},
      {"check", nullptr},
      {"person", nullptr},
      {"can_open_record", false}};
  if (outcome->status == card::VerificationStatus::kIncomplete) return net::Response::Json(200, j);
  // The answer is the one recorded in the check (GET /v1/checks lists the
  // same code): an identity not confirmed is named by the card's code; any
  // other answer by the eligibility's own, empty when coverage is in force.
  // How the card was verified, with its caveats, is in "card".
  const bool unconfirmed = outcome->status == card::VerificationStatus::kIdentityNotConfirmed;
  j["answer"] = {{"status", card::StatusName(outcome->status)},
                 {"coverage", outcome->coverage},
                 {"detail", unconfirmed ? outcome->message : outcome->detail},
                 {"detail_code", unconfirmed ? std::string(card::CodeName(outcome->code)) : outcome->detail_code}};
  // The grant below carries the assurance as recorded with the check.
  std::optional<Assurance> recorded_assurance;
  if (outcome->check_id) {
    auto check = call.worker->checks.Get(*outcome->check_id);
    if (!check) return StoreFailure(check.error(), "reading the recorded check");
    if (*check) {
      recorded_assurance = (*check)->assurance;
      j["check"] = {{"id", (*check)->id},
                    {"created_at", FormatUtc((*check)->created_at)},
                    {"method", CheckMethodName((*check)->method)},
                    {"assurance", AssuranceName((*check)->assurance)},
                    {"data_version", (*check)->data_version}};
    }
  }
  if (outcome->identity_confirmed() && outcome->person_id && recorded_assurance) {
    auto person = call.worker->store.ReadPerson(*outcome->person_id);
    if (!person) return StoreFailure(person.error(), "reading the person");
    if (*person) {
      j["person"] = PersonIdentityJson((*person)->person, TodayInJapan(clock));
      j["can_open_record"] = IsClinical(call.session->role);
      sessions.Grant(call.session->key, *outcome->person_id,
                     {.basis = AccessGrant::Basis::kCard,
                      .check_id = *outcome->check_id,
                      .assurance = *recorded_assurance,
                      .reason = {},  // only a disaster search has one
                      .granted_at = session_clock.Now(),
                      .mode_change_seq = 0});
    }
  }
  return net::Response::Json(200, j);
}

}  // namespace akari::node
