#include "node/service/person_summary.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <vector>

#include "node/checks/eligibility.h"
#include "sync/record_json.h"
#include "sync/risk_class.h"

namespace akari::node {
namespace {

using nlohmann::json;

// A medicine counts as recent when dispensed, or still supplied, within
// this many days (the same window as the risk index).
constexpr int kRecentDays = 120;
// Injections, topicals and as-needed medicines carry no days' supply;
// treat them as lasting this long when judging whether they are recent.
constexpr int kAssumedSupplyDays = 30;

json DateOrNull(sync::Date d) {
  return d == 0 ? json(nullptr) : json(sync::FormatDate(d));
}

std::string_view RouteName(sync::Route r) {
  switch (r) {
    case sync::Route::kOral:
      return "oral";
    case sync::Route::kAsNeeded:
      return "as_needed";
    case sync::Route::kExternal:
      return "external";
    case sync::Route::kInjection:
      return "injection";
  }
  return "oral";
}

// The grouping key: YJ digits 1-7 identify ingredient and route.
std::string IngredientKey(const sync::Dispensing& d) {
  if (d.yj_code.size() >= 7) return "yj:" + d.yj_code.substr(0, 7);
  if (!d.ingredient.empty()) return "in:" + d.ingredient;
  return "dn:" + d.drug_name;
}

sync::Date AddDays(sync::Date d, int days) {
  return sync::DateFromDays(sync::DaysSinceEpoch(d) + days);
}

json MedicationsJson(const sync::PersonRecord& record, sync::Date today) {
  // Dispensings are oldest first; group them keeping first-seen order.
  std::map<std::string, std::vector<const sync::Dispensing*>> groups;
  for (const sync::Dispensing& d : record.dispensings) {
    if (!sync::IsValidDate(d.date)) continue;
    groups[IngredientKey(d)].push_back(&d);
  }
  const std::int64_t today_days = sync::DaysSinceEpoch(today);
  struct Row {
    json j;
    bool risky;
    bool recent;
    sync::Date last;
  };
  std::vector<Row> rows;
  rows.reserve(groups.size());
  for (auto& [key, list] : groups) {
    std::stable_sort(list.begin(), list.end(),
                     [](const sync::Dispensing* a, const sync::Dispensing* b) { return a->date < b->date; });
    const sync::Dispensing& last = *list.back();
    json names = json::array();
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      if (std::find(names.begin(), names.end(), (*it)->drug_name) == names.end()) names.push_back((*it)->drug_name);
    }
    json risks = json::array();
    for (sync::RiskClass c : sync::ClassifyMedicine(last.yj_code, last.ingredient)) {
      risks.push_back(sync::RiskClassName(c));
    }
    const bool oral = last.route == sync::Route::kOral;
    const int supply_days = oral ? std::max(last.days_or_times, 1) : kAssumedSupplyDays;
    const sync::Date supply_until = oral ? AddDays(last.date, std::max(last.days_or_times, 1)) : 0;
    const bool recent = sync::DaysSinceEpoch(last.date) + supply_days >= today_days - kRecentDays;
    json row = {{"ingredient", last.ingredient.empty() ? last.drug_name : last.ingredient},
                {"yj_prefix", last.yj_code.size() >= 7 ? json(last.yj_code.substr(0, 7)) : json(nullptr)},
                {"drug_names", std::move(names)},
                {"strength", last.strength},
                {"route", RouteName(last.route)},
                {"quantity", last.quantity},
                {"unit", last.unit},
                {"usage", last.usage},
                {"days_or_times", last.days_or_times},
                {"last_date", sync::FormatDate(last.date)},
                {"first_date", sync::FormatDate(list.front()->date)},
                {"dispensing_count", list.size()},
                {"supply_until", DateOrNull(supply_until)},
                {"still_supplied", supply_until != 0 && supply_until > today},
                {"recent", recent},
                {"pharmacy", last.pharmacy_name},
                {"prescriber", last.prescriber_name},
                {"source", sync::DispensingSourceName(last.source)},
                {"risk_classes", risks}};
    rows.push_back({std::move(row), !risks.empty(), recent, last.date});
  }
  // High-risk recent medicines first, then the rest by last dispensing.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const int ra = (a.risky && a.recent) ? 0 : 1, rb = (b.risky && b.recent) ? 0 : 1;
    if (ra != rb) return ra < rb;
    return a.last > b.last;
  });
  json out = json::array();
  for (Row& r : rows) out.push_back(std::move(r.j));
  return out;
}

json RiskFlagsJson(const sync::PersonRecord& record, sync::Date today) {
  json out = json::array();
  for (sync::RiskClass c : sync::ActiveRiskClasses(record, today, kRecentDays)) {
    json medicines = json::array();
    for (const sync::Dispensing& d : record.dispensings) {
      const auto classes = sync::ClassifyMedicine(d.yj_code, d.ingredient);
      if (std::find(classes.begin(), classes.end(), c) == classes.end()) continue;
      const std::string name = d.ingredient.empty() ? d.drug_name : d.ingredient;
      if (std::find(medicines.begin(), medicines.end(), name) == medicines.end()) medicines.push_back(name);
    }
    const bool by_certificate = c == sync::RiskClass::kDialysis && medicines.empty();
    out.push_back({{"class", sync::RiskClassName(c)},
                   {"label_ja", sync::RiskClassLabelJa(c)},
                   {"medicines", std::move(medicines)},
                   {"source", by_certificate ? "specific_disease_certificate" : "dispensing"}});
  }
  return out;
}

std::optional<double> Numeric(const std::string& value) {
  double v = 0;
  const char* begin = value.data();
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || value.empty()) return std::nullopt;
  return v;
}

json CheckupsJson(const sync::PersonRecord& record) {
  std::vector<const sync::Checkup*> checkups;
  for (const sync::Checkup& c : record.checkups) checkups.push_back(&c);
  std::stable_sort(checkups.begin(), checkups.end(),
                   [](const sync::Checkup* a, const sync::Checkup* b) { return a->date < b->date; });
  json visits = json::array();
  std::vector<std::string> order;
  std::map<std::string, json> items;
  for (const sync::Checkup* c : checkups) {
    visits.push_back(
        {{"date", sync::FormatDate(c->date)}, {"facility", c->facility_name}, {"judgement", c->judgement}});
    for (const sync::CheckupItem& item : c->items) {
      auto [it, inserted] = items.try_emplace(item.code);
      if (inserted) {
        order.push_back(item.code);
        it->second = {{"code", item.code}, {"name", item.name}, {"unit", item.unit}, {"values", json::array()}};
      }
      it->second["reference"] = item.reference;
      it->second["values"].push_back(
          {{"date", sync::FormatDate(c->date)}, {"value", item.value}, {"abnormal", item.abnormal}});
    }
  }
  json out_items = json::array();
  for (const std::string& code : order) {
    json& item = items[code];
    const json& values = item["values"];
    json trend = nullptr;
    if (values.size() >= 2) {
      const auto a = Numeric(values[values.size() - 2]["value"].get<std::string>());
      const auto b = Numeric(values.back()["value"].get<std::string>());
      if (a && b) trend = *b > *a ? "up" : *b < *a ? "down" : "same";
    }
    item["trend"] = trend;
    item["latest"] = values.back();
    out_items.push_back(std::move(item));
  }
  return {{"visits", std::move(visits)}, {"items", std::move(out_items)}};
}

json CoverageSection(const sync::PersonRecord& record, sync::Date today) {
  const sync::Coverage* current = sync::CoverageOn(record, today);
  json history = json::array();
  for (auto it = record.coverages.rbegin(); it != record.coverages.rend(); ++it) {
    json c = CoverageJson(*it);
    c["current"] = &*it == current;
    history.push_back(std::move(c));
  }
  json diseases = json::array();
  for (const sync::SpecificDiseaseCertificate& d : record.specific_diseases) {
    diseases.push_back({{"disease", sync::SpecificDiseaseName(d.disease)},
                        {"valid_from", DateOrNull(d.valid_from)},
                        {"valid_to", DateOrNull(d.valid_to)},
                        {"current", d.valid_from <= today && (d.valid_to == 0 || today < d.valid_to)}});
  }
  return {{"current", current ? CoverageJson(*current) : json(nullptr)},
          {"history", std::move(history)},
          {"specific_diseases", std::move(diseases)}};
}

}  // namespace

std::string_view SexName(sync::Sex sex) {
  switch (sex) {
    case sync::Sex::kMale:
      return "male";
    case sync::Sex::kFemale:
      return "female";
    case sync::Sex::kUnset:
      return "unset";
  }
  return "unset";
}

json DataFreshnessJson(const DataFreshness& data) {
  json j = {{"version", data.version ? json(*data.version) : json(nullptr)},
            {"as_of", data.as_of ? json(FormatUtc(*data.as_of)) : json(nullptr)},
            {"expires_at", data.expires_at ? json(FormatUtc(*data.expires_at)) : json(nullptr)},
            {"stale", data.stale()},
            {"stale_since", data.stale() ? json(FormatUtc(*data.expires_at)) : json(nullptr)}};
  j["age_seconds"] = data.as_of ? json(std::chrono::duration_cast<std::chrono::seconds>(data.now - *data.as_of).count())
                                : json(nullptr);
  return j;
}

json PersonIdentityJson(const sync::Person& p, sync::Date today) {
  return {{"id", p.id},
          {"name", p.name},
          {"name_kana", p.name_kana},
          {"birth_date", sync::FormatDate(p.birth_date)},
          {"age", sync::IsValidDate(p.birth_date) ? json(sync::AgeOn(p.birth_date, today)) : json(nullptr)},
          {"sex", SexName(p.sex)},
          {"address",
           {{"postal_code", p.address.postal_code},
            {"prefecture", p.address.prefecture},
            {"municipality", p.address.municipality},
            {"rest", p.address.rest}}}};
}

json PersonSummaryJson(const sync::PersonRecord& record, sync::Date today, const DataFreshness& data) {
  return {{"person", PersonIdentityJson(record.person, today)},
          {"coverage", CoverageSection(record, today)},
          {"risk_flags", RiskFlagsJson(record, today)},
          {"medications", MedicationsJson(record, today)},
          {"checkups", CheckupsJson(record)},
          {"today", sync::FormatDate(today)},
          {"data", DataFreshnessJson(data)}};
}

}  // namespace akari::node
