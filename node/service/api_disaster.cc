// Disaster mode (災害時モード) search: POST /v1/disaster/search finds
// candidates by kana name and birth date (narrowed by sex and part of the
// address) with a mandatory reason; POST /v1/disaster/select picks one,
// which records a check (disaster_search / demographic) and lets the
// session open that record.
#include <array>

#include "crypto/sodium.h"
#include "node/checks/eligibility.h"
#include "node/service/disaster_mode.h"
#include "node/service/internal/service_impl.h"
#include "sync/kana.h"

namespace akari::node {
namespace {

// Candidates read from the name index before filtering by sex and address.
constexpr std::size_t kMaxNameCandidates = 200;

// Drops ASCII and ideographic spaces so "輪島市 河井町" finds "輪島市河井町".
std::string WithoutSpaces(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ') continue;
    if (text.substr(i, 3) == "\u3000") {
      i += 2;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

bool AddressMatches(const sync::Address& a, std::string_view part) {
  if (part.empty()) return true;
  const std::string whole = WithoutSpaces(a.postal_code + a.prefecture + a.municipality + a.rest);
  return whole.find(WithoutSpaces(part)) != std::string::npos;
}

std::string NewSearchId() {
  std::array<std::uint8_t, 8> raw{};
  crypto::RandomBytes(raw);
  return ToHex(raw);
}

ApiResult<ModeState> RequireDisasterMode(ApiResult<ModeState> mode) {
  if (!mode) return mode;
  if (!mode->disaster) {
    return Refuse(403, "disaster_mode_off",
                  "search by name and birth date is allowed only in disaster mode; identify the patient by card or "
                  "insurance numbers, or ask an admin to declare disaster mode (akari disaster on)");
  }
  return mode;
}

}  // namespace

net::Response Service::Impl::DisasterSearch(Call& call) {
  static constexpr std::array<FieldSpec, 5> kFields = {{
      {"kana_name", FieldType::kString, true, 40},
      {"birth_date", FieldType::kString, true, 10},
      {"sex", FieldType::kString, false, 8},
      {"address", FieldType::kString, false, 60},
      {"reason", FieldType::kString, true, kMaxReasonChars},
  }};
  auto mode = RequireDisasterMode(Mode(call.worker->store));
  if (!mode) return mode.error().ToResponse();
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string reason = StringField(*body, "reason");
  if (std::string problem = ReasonProblem(reason); !problem.empty())
    return net::Response::Error(422, "invalid_reason", "field \"reason\": " + problem);
  const auto kana = sync::KanaSearchKey(StringField(*body, "kana_name"));
  if (!kana || kana->empty()) {
    return net::Response::Error(
        422, "invalid_kana", "field \"kana_name\" must be the name in kana (katakana or hiragana), e.g. ヤマダ タロウ");
  }
  auto birth = DateField(*body, "birth_date");
  if (!birth) return birth.error().ToResponse();
  const std::string sex = StringField(*body, "sex");
  if (!sex.empty() && sex != "male" && sex != "female")
    return net::Response::Error(422, "invalid_sex", "field \"sex\" must be \"male\" or \"female\" (or left out)");
  const std::string address = StringField(*body, "address");

  auto ids = call.worker->store.FindByName(*birth, *kana, kMaxNameCandidates);
  if (!ids) return StoreFailure(ids.error(), "searching by name");
  const sync::Date today = Today(call.worker->store);
  nlohmann::json results = nlohmann::json::array();
  std::vector<std::int64_t> found;
  bool truncated = false;
  for (std::int64_t id : *ids) {
    auto person = call.worker->store.ReadPerson(id);
    if (!person) return StoreFailure(person.error(), "reading a person");
    if (!*person) continue;
    const sync::PersonRecord& r = **person;
    if (!sex.empty() && SexName(r.person.sex) != sex) continue;
    if (!AddressMatches(r.person.address, address)) continue;
    if (found.size() >= options.max_search_results) {
      truncated = true;
      break;
    }
    nlohmann::json item = PersonIdentityJson(r.person, today);
    const sync::Coverage* c = sync::CoverageOn(r, today);
    item["insurer_name"] = c ? nlohmann::json(c->insurer_name) : nlohmann::json(nullptr);
    results.push_back(std::move(item));
    found.push_back(id);
  }
  const std::string search_id = NewSearchId();
  AuditEvent event{"search.disaster",
                   call.session->operator_id,
                   std::nullopt,
                   {{"search_id", search_id},
                    {"reason", reason},
                    {"results", found.size()},
                    {"person_ids", found},
                    {"truncated", truncated}}};
  if (auto s = AuditOrFail(event); !s) return StoreFailure(s.error(), "writing the search to the audit log");
  sessions.RememberSearch(call.session->key, search_id, reason, found, mode->change_seq);
  return net::Response::Json(
      200, {{"search_id", search_id}, {"results", std::move(results)}, {"truncated", truncated}, {"reason", reason}});
}

net::Response Service::Impl::DisasterSelect(Call& call) {
  static constexpr std::array<FieldSpec, 2> kFields = {{
      {"search_id", FieldType::kString, true, 32},
      {"person_id", FieldType::kInteger, true, 0},
  }};
  auto mode = RequireDisasterMode(Mode(call.worker->store));
  if (!mode) return mode.error().ToResponse();
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string search_id = StringField(*body, "search_id");
  const std::int64_t person_id = body->at("person_id").get<std::int64_t>();
  const auto reason = sessions.SearchCandidate(call.session->key, search_id, person_id, mode->change_seq);
  if (!reason) {
    return net::Response::Error(404, "not_a_candidate",
                                "person " + std::to_string(person_id) + " was not a result of search \"" +
                                    search_id.substr(0, 32) + "\" in this session; search again");
  }
  auto person = call.worker->store.ReadPerson(person_id);
  if (!person) return StoreFailure(person.error(), "reading a person");
  if (!*person) {
    return net::Response::Error(404, "person_not_found",
                                "person " + std::to_string(person_id) + " is no longer in this node's data");
  }
  const sync::PersonRecord& r = **person;
  CheckInput input;
  input.method = CheckMethod::kDisasterSearch;
  input.assurance = Assurance::kDemographic;
  input.operator_id = call.session->operator_id;
  input.facility = options.facility;
  input.claim = {{"search_id", search_id},
                 {"reason", *reason},
                 {"kana_name", r.person.name_kana},
                 {"birth_date", sync::FormatDate(r.person.birth_date)}};
  input.person_id = person_id;
  input.answer = EligibilityOn(r, Today(call.worker->store));
  auto record = RecordCheck(*call.worker, input);
  if (!record) return StoreFailure(record.error(), "recording the check");
  sessions.Grant(call.session->key, person_id,
                 {.basis = AccessGrant::Basis::kDisasterSearch,
                  .check_id = record->id,
                  .assurance = record->assurance,
                  .reason = *reason,
                  .granted_at = session_clock.Now(),
                  .mode_change_seq = mode->change_seq});
  return net::Response::Json(200, CheckAnswerJson(*record, input.answer, &r, *call.session));
}

}  // namespace akari::node
