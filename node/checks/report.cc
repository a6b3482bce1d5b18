#include "node/checks/report.h"

#include <algorithm>
#include <ctime>
#include <sstream>

namespace akari::node {
namespace {

// "2026-11-26 06:50 JST" for an RFC 3339 UTC time: claims are dated by the
// visit's day in Japan, which a UTC time near midnight would misstate.
std::string JapanTime(const std::string& utc) {
  TimePoint t;
  if (!ParseUtc(utc, t)) return utc;
  const std::time_t jst = std::chrono::system_clock::to_time_t(t + std::chrono::hours(9));
  std::tm tm{};
  gmtime_r(&jst, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M JST", &tm);
  return buf;
}

namespace rc = sync::reconcile;
using nlohmann::json;

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The action the node's own answer implied at the visit.
rc::Action LocalAction(std::string_view status) {
  if (status == "covered") return rc::Action::kNone;
  if (status == "not_covered") return rc::Action::kPatientNotCovered;
  return rc::Action::kIdentityNotConfirmed;
}

bool Changed(const ReportEntry& e) {
  if (e.answer.outcome == rc::Outcome::kConfirmed) return false;
  if (e.answer.outcome == rc::Outcome::kDifferentCoverage || e.answer.outcome == rc::Outcome::kMatched ||
      e.answer.outcome == rc::Outcome::kSignatureInvalid) {
    return true;
  }
  return rc::ActionFor(e.answer.outcome) != LocalAction(e.local_status);
}

int ActionOrder(rc::Action a) {
  switch (a) {
    case rc::Action::kBillAnotherInsurer:
      return 0;
    case rc::Action::kPatientNotCovered:
      return 1;
    case rc::Action::kIdentityNotConfirmed:
      return 2;
    case rc::Action::kNone:
      return 3;
  }
  return 3;
}

std::string CoverageText(const json& c) {
  if (!c.is_object()) return "-";
  std::string out = Str(c, "insurer_number");
  const std::string symbol = Str(c, "symbol"), number = Str(c, "number"), branch = Str(c, "branch");
  out += " " + (symbol.empty() ? std::string("-") : symbol) + "・" + number;
  if (!branch.empty()) out += " 枝番" + branch;
  if (c.contains("copay_percent") && c["copay_percent"].is_number()) {
    out += " (" + std::to_string(c["copay_percent"].get<int>() / 10) + "割)";
  }
  return out;
}

}  // namespace

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

Result<ReconciliationReport> BuildReconciliationReport(store::Store& store, std::optional<TimePoint> since) {
  const std::int64_t since_ms =
      since ? std::chrono::duration_cast<std::chrono::milliseconds>(since->time_since_epoch()).count() : 0;
  AKARI_ASSIGN_OR_RETURN(
      store::Statement s,
      store.database().Prepare("SELECT r.seq, r.id, r.body, res.body FROM check_record r LEFT JOIN check_result res "
                               "ON res.check_seq = r.seq WHERE r.created_at >= ? ORDER BY r.seq"));
  s.Bind(1, since_ms);
  ReconciliationReport report;
  std::vector<std::pair<std::string, std::string>> rows;  // (check body, answer body)
  std::vector<std::pair<std::int64_t, std::string>> ids;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ids.emplace_back(s.ColumnInt(0), s.ColumnText(1));
    rows.emplace_back(ToString(s.ColumnBlob(2)), s.ColumnIsNull(3) ? std::string() : ToString(s.ColumnBlob(3)));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ++report.total;
    if (rows[i].second.empty()) {
      ++report.pending;
      continue;
    }
    const json body = json::parse(rows[i].first, nullptr, false);
    auto answer = rc::AnswerFromJson(json::parse(rows[i].second, nullptr, false));
    if (body.is_discarded() || !answer) continue;  // a damaged row is not a claim to fix; audit verify finds it
    ReportEntry e;
    e.seq = ids[i].first;
    e.check_id = ids[i].second;
    e.visited_at = Str(body, "created_at");
    e.method = Str(body, "method");
    e.assurance = Str(body, "assurance");
    e.operator_id = Str(body, "operator_id");
    if (body.contains("person_id") && body["person_id"].is_number_integer())
      e.person_id = body["person_id"].get<std::int64_t>();
    e.local_status = Str(body.value("local_answer", json::object()), "status");
    e.local_coverage = body.value("local_answer", json::object()).value("coverage", json(nullptr));
    e.answer = std::move(*answer);
    e.action = rc::ActionFor(e.answer.outcome);
    if (!Changed(e)) {
      ++report.confirmed;
      continue;
    }
    ++report.changed;
    const std::optional<std::int64_t> who = e.person_id ? e.person_id : e.answer.person_id;
    if (who) {
      AKARI_ASSIGN_OR_RETURN(auto record, store.ReadPerson(*who));
      if (record) {
        e.patient_name = record->person.name;
        e.patient_kana = record->person.name_kana;
        e.birth_date = sync::FormatDate(record->person.birth_date);
      }
    }
    if (e.patient_name.empty()) {  // self-reported, or outside this node's region
      const json claim = body.value("claim", json::object());
      e.patient_name = Str(claim, "name");
      e.patient_kana = Str(claim, "name_kana");
      e.birth_date = Str(claim, "birth_date");
    }
    report.entries.push_back(std::move(e));
  }
  std::stable_sort(report.entries.begin(), report.entries.end(), [](const ReportEntry& a, const ReportEntry& b) {
    return ActionOrder(a.action) < ActionOrder(b.action);
  });
  return report;
}

Result<ReconciliationCounts> CountReconciliation(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(ReconciliationReport r, BuildReconciliationReport(store, std::nullopt));
  return ReconciliationCounts{r.pending, r.confirmed, r.changed};
}

json ReportToJson(const ReconciliationReport& report) {
  json entries = json::array();
  for (const ReportEntry& e : report.entries) {
    entries.push_back(
        {{"action", rc::ActionName(e.action)},
         {"check_id", e.check_id},
         {"visited_at", e.visited_at},
         {"method", e.method},
         {"assurance", e.assurance},
         {"operator_id", e.operator_id},
         {"person_id", e.person_id ? json(*e.person_id) : json(nullptr)},
         {"patient", {{"name", e.patient_name}, {"name_kana", e.patient_kana}, {"birth_date", e.birth_date}}},
         {"local", {{"status", e.local_status}, {"coverage", e.local_coverage}}},
         {"hub", rc::AnswerToJson(e.answer)}});
  }
  return {{"total", report.total},
          {"pending", report.pending},
          {"confirmed", report.confirmed},
          {"changed", report.changed},
          {"entries", entries}};
}

std::string ReportToCsv(const ReconciliationReport& report) {
  std::ostringstream out;
  out << "action,check_id,visited_at,method,assurance,person_id,patient_name,patient_kana,birth_date,local_status,"
         "billed_insurer_number,billed_symbol,billed_number,billed_branch,hub_outcome,qualification_validity,"
         "correct_insurer_number,correct_insurer_name,correct_symbol,correct_number,correct_branch,"
         "correct_copay_percent,coverage_ended_on,loss_reason,detail\r\n";
  for (const ReportEntry& e : report.entries) {
    const json& c = e.answer.coverage;
    const json& ended = e.answer.ended_coverage;
    const std::vector<std::string> fields = {
        std::string(rc::ActionName(e.action)),
        e.check_id,
        e.visited_at,
        e.method,
        e.assurance,
        e.person_id ? std::to_string(*e.person_id) : "",
        e.patient_name,
        e.patient_kana,
        e.birth_date,
        e.local_status,
        Str(e.local_coverage, "insurer_number"),
        Str(e.local_coverage, "symbol"),
        Str(e.local_coverage, "number"),
        Str(e.local_coverage, "branch"),
        std::string(rc::OutcomeName(e.answer.outcome)),
        std::to_string(e.answer.qualification_validity),
        Str(c, "insurer_number"),
        Str(c, "insurer_name"),
        Str(c, "symbol"),
        Str(c, "number"),
        Str(c, "branch"),
        c.is_object() && c.contains("copay_percent") ? c["copay_percent"].dump() : "",
        Str(ended, "valid_to"),
        ended.is_object() && ended.contains("loss_reason") ? ended["loss_reason"].dump() : "",
        e.answer.detail};
    for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << CsvField(fields[i]);
    out << "\r\n";
  }
  return out.str();
}

std::string ReportToTable(const ReconciliationReport& report) {
  std::ostringstream out;
  out << "Checks: " << report.total << " (" << report.pending << " not yet reconciled, " << report.confirmed
      << " confirmed, " << report.changed << " need a different claim)\n";
  rc::Action current = rc::Action::kNone;
  for (const ReportEntry& e : report.entries) {
    if (e.action != current) {
      current = e.action;
      out << "\n";
      switch (current) {
        case rc::Action::kBillAnotherInsurer:
          out << "== Bill another insurer (請求先の変更) ==\n";
          break;
        case rc::Action::kPatientNotCovered:
          out << "== Patient not covered on the visit date (資格なし) ==\n";
          break;
        case rc::Action::kIdentityNotConfirmed:
          out << "== Identity not confirmed (本人確認できず) ==\n";
          break;
        case rc::Action::kNone:
          break;
      }
    }
    out << JapanTime(e.visited_at) << "  " << e.check_id << "  "
        << (e.patient_name.empty() ? "(not in this node's records; see the insurer data)" : e.patient_name);
    if (!e.birth_date.empty()) out << " (" << e.birth_date << ")";
    out << "\n    billed: " << CoverageText(e.local_coverage) << "  [" << e.local_status << "]\n";
    if (e.answer.coverage.is_object()) out << "    correct: " << CoverageText(e.answer.coverage) << "\n";
    if (e.answer.ended_coverage.is_object()) {
      out << "    coverage ended " << Str(e.answer.ended_coverage, "valid_to") << " ("
          << CoverageText(e.answer.ended_coverage) << ")\n";
    }
    if (!e.answer.detail.empty()) out << "    " << e.answer.detail << "\n";
  }
  if (report.entries.empty()) out << "\nNo claims need to change.\n";
  return out.str();
}

}  // namespace akari::node
