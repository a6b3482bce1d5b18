// Eligibility checks: POST /v1/checks/insurance (numbers typed from a
// 資格確認書 or an old insurance card), and the plumbing every check
// shares (durable record + audit entry, the JSON answer, the session grant).
#include <array>

#include "base/log.h"
#include "node/checks/eligibility.h"
#include "node/service/internal/service_impl.h"
#include "sync/index_keys.h"
#include "sync/insurer_number.h"

namespace akari::node {
namespace {

// How many persons sharing one 記号・番号 are read before giving up (a
// household is a handful; more means the numbers are not specific).
constexpr std::size_t kMaxHouseholdCandidates = 64;

bool CoverageMatches(const sync::Coverage& c, const crypto::Hash16& key, std::string_view branch) {
  if (sync::InsuranceKey(c.insurer_number, c.symbol, c.number) != key) return false;
  return branch.empty() || c.branch.empty() || sync::NormalizeDigits(c.branch) == branch;
}

const sync::Coverage* PresentedCoverage(const sync::PersonRecord& r, const crypto::Hash16& key,
                                        std::string_view branch) {
  const sync::Coverage* found = nullptr;
  for (const sync::Coverage& c : r.coverages) {
    if (CoverageMatches(c, key, branch) && (found == nullptr || c.valid_from > found->valid_from)) found = &c;
  }
  return found;
}

}  // namespace

Result<CheckRecord> Service::Impl::RecordCheck(Worker& worker, const CheckInput& input) {
  std::lock_guard lock(write_mu);
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(worker.store.database(), /*durable=*/true));
  AKARI_ASSIGN_OR_RETURN(CheckRecord record, worker.checks.Record(input));
  AuditEvent event;
  event.event = "check.record";
  event.actor = input.operator_id;
  event.person_id = input.person_id;
  event.detail = {{"check_id", record.id},
                  {"method", CheckMethodName(input.method)},
                  {"assurance", AssuranceName(input.assurance)},
                  {"status", input.answer.status}};
  AKARI_TRY(worker.audit.Append(event));
  AKARI_TRY(tx.Commit());
  Log(LogLevel::kInfo, "service.check",
      {{"check_id", record.id}, {"method", CheckMethodName(input.method)}, {"status", input.answer.status}});
  return record;
}

nlohmann::json Service::Impl::CheckAnswerJson(const CheckRecord& check, const LocalAnswer& answer,
                                              const sync::PersonRecord* record, const SessionInfo& session) {
  const sync::Date today = TodayInJapan(clock);
  return {{"check",
           {{"id", check.id},
            {"created_at", FormatUtc(check.created_at)},
            {"method", CheckMethodName(check.method)},
            {"assurance", AssuranceName(check.assurance)},
            {"data_version", check.data_version}}},
          {"answer",
           {{"status", answer.status},
            {"coverage", answer.coverage},
            {"detail", answer.detail},
            {"detail_code", answer.detail_code}}},
          {"person", record ? PersonIdentityJson(record->person, today) : nlohmann::json(nullptr)},
          {"can_open_record", record != nullptr && IsClinical(session.role)}};
}

net::Response Service::Impl::InsuranceCheck(Call& call) {
  static constexpr std::array<FieldSpec, 5> kFields = {{
      {"insurer_number", FieldType::kString, true, 16},
      {"symbol", FieldType::kString, false, 40},
      {"number", FieldType::kString, true, 40},
      {"branch", FieldType::kString, false, 4},
      {"birth_date", FieldType::kString, true, 10},
  }};
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string insurer = sync::NormalizeDigits(StringField(*body, "insurer_number"));
  if (auto problem = sync::CheckInsurerNumber(insurer); problem != sync::InsurerNumberProblem::kNone) {
    return net::Response::Error(422, "invalid_insurer_number", sync::DescribeInsurerNumberProblem(problem, insurer));
  }
  const std::string symbol = StringField(*body, "symbol");
  const std::string number = StringField(*body, "number");
  if (sync::NormalizeDigits(number).empty())
    return net::Response::Error(422, "invalid_number", "field \"number\" (番号) is empty");
  const std::string branch = sync::NormalizeDigits(StringField(*body, "branch"));
  if (!branch.empty() && (branch.size() != 2 || branch.find_first_not_of("0123456789") != std::string::npos))
    return net::Response::Error(422, "invalid_branch", "field \"branch\" (枝番) is two digits, e.g. \"01\"");
  auto birth = DateField(*body, "birth_date");
  if (!birth) return birth.error().ToResponse();

  const crypto::Hash16 key = sync::InsuranceKey(insurer, symbol, number);
  auto ids = call.worker->store.FindByInsuranceKey(key);
  if (!ids) return StoreFailure(ids.error(), "looking up the insurance numbers");
  std::vector<sync::PersonRecord> matches;
  for (std::size_t i = 0; i < ids->size() && i < kMaxHouseholdCandidates; ++i) {
    auto person = call.worker->store.ReadPerson((*ids)[i]);
    if (!person) return StoreFailure(person.error(), "reading a person");
    if (!*person || (*person)->person.birth_date != *birth) continue;
    if (PresentedCoverage(**person, key, branch) == nullptr) continue;
    matches.push_back(std::move(**person));
  }

  const sync::Date today = Today(call.worker->store);
  CheckInput input;
  input.method = CheckMethod::kInsuranceNumbers;
  input.assurance = Assurance::kNumbers;
  input.operator_id = call.session->operator_id;
  input.facility = options.facility;
  input.claim = {{"insurer_number", insurer},
                 {"symbol", symbol},
                 {"number", number},
                 {"branch", branch},
                 {"birth_date", sync::FormatDate(*birth)}};
  const sync::Coverage* presented = nullptr;
  if (matches.size() == 1) {
    input.person_id = matches.front().person.id;
    input.answer = EligibilityOn(matches.front(), today);
    presented = PresentedCoverage(matches.front(), key, branch);
    const sync::Coverage* current = sync::CoverageOn(matches.front(), today);
    if (presented != current && input.answer.status == "covered") {
      input.answer.detail = "the numbers presented belong to a coverage that ended on " +
                            sync::FormatDate(presented->valid_to) + "; the person is now covered by another insurer";
      input.answer.detail_code = "presented_coverage_ended";
    }
  } else if (matches.size() > 1) {
    input.answer = {"identity_not_confirmed", nullptr, "several persons match these numbers; enter the 枝番 (branch)",
                    "several_persons_match"};
  } else if (!ids->empty()) {
    input.answer = {"identity_not_confirmed", nullptr,
                    "these numbers are on record, but not with this birth date and 枝番; check both",
                    "birth_date_or_branch_differs"};
  } else {
    input.answer = {"unknown_person", nullptr, "no person with these insurance numbers in this region's data",
                    "no_such_numbers"};
  }
  auto record = RecordCheck(*call.worker, input);
  if (!record) return StoreFailure(record.error(), "recording the check");
  const sync::PersonRecord* person = matches.size() == 1 ? &matches.front() : nullptr;
  if (person) {
    sessions.Grant(call.session->key, person->person.id,
                   {.basis = AccessGrant::Basis::kInsuranceNumbers,
                    .check_id = record->id,
                    .assurance = record->assurance,
                    .reason = {},  // only a disaster search has one
                    .granted_at = session_clock.Now(),
                    .mode_change_seq = 0});
  }
  nlohmann::json j = CheckAnswerJson(*record, input.answer, person, *call.session);
  j["presented_coverage"] = presented ? CoverageJson(*presented) : nlohmann::json(nullptr);
  return net::Response::Json(200, j);
}

}  // namespace akari::node
