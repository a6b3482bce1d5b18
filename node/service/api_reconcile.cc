// Self-reported checks and the reconciliation report:
//   POST /v1/checks/self-reported records what an evacuee states when this
//     node holds no record of them (another prefecture, no card, no papers),
//     as the national rules allow in a declared disaster; the hub resolves
//     the person and coverage when it is reachable again;
//   GET /v1/checks/report lists the checks whose claim must change after
//     reconciliation, grouped by what the clinic must do.
#include <array>

#include "node/checks/report.h"
#include "node/service/internal/service_impl.h"
#include "sync/kana.h"

namespace akari::node {

net::Response Service::Impl::SelfReportedCheck(Call& call) {
  static constexpr std::array<FieldSpec, 7> kFields = {{
      {"name", FieldType::kString, false, 40},
      {"name_kana", FieldType::kString, true, 40},
      {"birth_date", FieldType::kString, true, 10},
      {"sex", FieldType::kString, true, 8},
      {"address", FieldType::kString, false, 100},
      {"insurer", FieldType::kString, false, 60},
      {"contact", FieldType::kString, false, 40},
  }};
  auto mode = Mode(call.worker->store);
  if (!mode) return mode.error().ToResponse();
  if (!mode->disaster) {
    return net::Response::Error(403, "disaster_mode_off",
                                "a patient's own statement is accepted in place of a card or 資格確認書 only in a "
                                "declared disaster; ask an admin to turn on disaster mode (akari disaster on)");
  }
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string kana_text = StringField(*body, "name_kana");
  const auto kana = sync::KanaSearchKey(kana_text);
  if (!kana || kana->empty()) {
    return net::Response::Error(
        422, "invalid_kana", "field \"name_kana\" must be the name in kana (katakana or hiragana), e.g. ヤマダ タロウ");
  }
  auto birth = DateField(*body, "birth_date");
  if (!birth) return birth.error().ToResponse();
  const std::string sex = StringField(*body, "sex");
  if (sex != "male" && sex != "female" && sex != "unset") {
    return net::Response::Error(422, "invalid_sex", "field \"sex\" must be \"male\", \"female\" or \"unset\"");
  }
  // Someone this node holds must be identified through their record, not
  // recorded as a stranger: point staff to the disaster search instead.
  auto ids = call.worker->store.FindByName(*birth, *kana, 1);
  if (!ids) return StoreFailure(ids.error(), "looking up the name");
  if (!ids->empty()) {
    return net::Response::Error(409, "person_on_record",
                                "a person with this kana name and birth date is in this node's records: use the "
                                "disaster search and select them instead");
  }
  const int sex_code = sex == "male" ? 1 : sex == "female" ? 2 : 3;
  CheckInput input;
  input.method = CheckMethod::kSelfReported;
  input.assurance = Assurance::kSelfReported;
  input.operator_id = call.session->operator_id;
  input.facility = options.facility;
  input.claim = {{"name", StringField(*body, "name")},       {"name_kana", kana_text},
                 {"birth_date", sync::FormatDate(*birth)},   {"sex", sex_code},
                 {"address", StringField(*body, "address")}, {"insurer", StringField(*body, "insurer")},
                 {"contact", StringField(*body, "contact")}};
  input.answer = {"unknown_person", nullptr,
                  "not in this node's records; recorded as the patient stated. The hub will find their insurer when "
                  "it is reachable again (akari checks report)",
                  "self_reported"};
  auto record = RecordCheck(*call.worker, input);
  if (!record) return StoreFailure(record.error(), "recording the check");
  nlohmann::json j = CheckAnswerJson(*record, input.answer, nullptr, *call.session);
  return net::Response::Json(201, j);
}

net::Response Service::Impl::ReconciliationReportGet(Call& call) {
  std::optional<TimePoint> since;
  if (auto it = call.request.query.find("since"); it != call.request.query.end() && !it->second.empty()) {
    const sync::Date d = sync::ParseDate(it->second);
    if (d == 0) return net::Response::Error(400, "invalid_since", "query \"since\" must be a date, YYYY-MM-DD");
    since = TimePoint(std::chrono::days(sync::DaysSinceEpoch(d))) - std::chrono::hours(9);  // start of day in Japan
  }
  auto report = BuildReconciliationReport(call.worker->store, since);
  if (!report) return StoreFailure(report.error(), "building the reconciliation report");
  // The report names patients: like a record, it is shown only once its
  // showing is in the audit log.
  if (auto audited = AuditOrFail({"report.reconciliation",
                                  call.session->operator_id,
                                  std::nullopt,
                                  {{"changed", report->changed}, {"pending", report->pending}}});
      !audited) {
    return StoreFailure(audited.error(), "writing the report's showing to the audit log");
  }
  return net::Response::Json(200, ReportToJson(*report));
}

}  // namespace akari::node
