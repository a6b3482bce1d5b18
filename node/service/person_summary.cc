#include "node/service/person_summary.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "node/checks/eligibility.h"
#include "node/status.h"
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

// The summary is written as text (base/json_text.h): building it as a
// nlohmann::json tree first cost about as much as decoding the record.
// Members go in byte order of their keys, so the text is what
// net::Response::Json would send for the same tree (tests compare text
// with parse(text).dump()).
void WriteDate(JsonText& w, sync::Date d) {
  w.String(sync::FormatDate(d));
}
void WriteDateOrNull(JsonText& w, sync::Date d) {
  d == 0 ? w.Null() : WriteDate(w, d);
}

// The medicines of one ingredient group, as summarised.
struct MedicationRow {
  const sync::Dispensing* last;
  const sync::Dispensing* first;
  std::size_t count;
  std::vector<std::string_view> names;  // newest first, each once
  std::vector<sync::RiskClass> risks;
  bool recent;
  sync::Date supply_until;
};

void WriteMedications(JsonText& w, const sync::PersonRecord& record, sync::Date today) {
  // Dispensings are oldest first; group them by ingredient key.
  std::map<std::string, std::vector<const sync::Dispensing*>> groups;
  for (const sync::Dispensing& d : record.dispensings) {
    if (!sync::IsValidDate(d.date)) continue;
    groups[IngredientKey(d)].push_back(&d);
  }
  const std::int64_t today_days = sync::DaysSinceEpoch(today);
  std::vector<MedicationRow> rows;
  rows.reserve(groups.size());
  for (auto& [key, list] : groups) {
    std::stable_sort(list.begin(), list.end(),
                     [](const sync::Dispensing* a, const sync::Dispensing* b) { return a->date < b->date; });
    MedicationRow row{list.back(), list.front(), list.size(), {}, {}, false, 0};
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      const std::string_view name = (*it)->drug_name;
      if (std::find(row.names.begin(), row.names.end(), name) == row.names.end()) row.names.push_back(name);
    }
    const sync::Dispensing& last = *row.last;
    row.risks = sync::ClassifyMedicine(last.yj_code, last.ingredient);
    const bool oral = last.route == sync::Route::kOral;
    const int supply_days = oral ? std::max(last.days_or_times, 1) : kAssumedSupplyDays;
    row.supply_until = oral ? AddDays(last.date, std::max(last.days_or_times, 1)) : 0;
    row.recent = sync::DaysSinceEpoch(last.date) + supply_days >= today_days - kRecentDays;
    rows.push_back(std::move(row));
  }
  // High-risk recent medicines first, then the rest by last dispensing.
  std::stable_sort(rows.begin(), rows.end(), [](const MedicationRow& a, const MedicationRow& b) {
    const int ra = (!a.risks.empty() && a.recent) ? 0 : 1, rb = (!b.risks.empty() && b.recent) ? 0 : 1;
    if (ra != rb) return ra < rb;
    return a.last->date > b.last->date;
  });
  w.BeginArray();
  for (const MedicationRow& r : rows) {
    const sync::Dispensing& last = *r.last;
    w.BeginObject();
    w.Key("days_or_times").Int(last.days_or_times);
    w.Key("dispensing_count").Int(static_cast<std::int64_t>(r.count));
    w.Key("drug_names").BeginArray();
    for (std::string_view n : r.names) w.String(n);
    w.EndArray();
    WriteDate(w.Key("first_date"), r.first->date);
    w.Key("ingredient").String(last.ingredient.empty() ? last.drug_name : last.ingredient);
    WriteDate(w.Key("last_date"), last.date);
    w.Key("pharmacy").String(last.pharmacy_name);
    w.Key("prescriber").String(last.prescriber_name);
    w.Key("quantity").Double(last.quantity);
    w.Key("recent").Bool(r.recent);
    w.Key("risk_classes").BeginArray();
    for (sync::RiskClass c : r.risks) w.String(sync::RiskClassName(c));
    w.EndArray();
    w.Key("route").String(RouteName(last.route));
    w.Key("source").String(sync::DispensingSourceName(last.source));
    w.Key("still_supplied").Bool(r.supply_until != 0 && r.supply_until > today);
    w.Key("strength").String(last.strength);
    WriteDateOrNull(w.Key("supply_until"), r.supply_until);
    w.Key("unit").String(last.unit);
    w.Key("usage").String(last.usage);
    if (last.yj_code.size() >= 7) {
      w.Key("yj_prefix").String(std::string_view(last.yj_code).substr(0, 7));
    } else {
      w.Key("yj_prefix").Null();
    }
    w.EndObject();
  }
  w.EndArray();
}

void WriteRiskFlags(JsonText& w, const sync::PersonRecord& record, sync::Date today) {
  const std::vector<sync::RiskClass> active = sync::ActiveRiskClasses(record, today, kRecentDays);
  // Each dispensing's classes, computed once rather than once per active class.
  std::vector<std::vector<sync::RiskClass>> classes;
  if (!active.empty()) {
    classes.reserve(record.dispensings.size());
    for (const sync::Dispensing& d : record.dispensings)
      classes.push_back(sync::ClassifyMedicine(d.yj_code, d.ingredient));
  }
  w.BeginArray();
  for (sync::RiskClass c : active) {
    std::vector<std::string_view> medicines;
    for (std::size_t i = 0; i < record.dispensings.size(); ++i) {
      if (std::find(classes[i].begin(), classes[i].end(), c) == classes[i].end()) continue;
      const sync::Dispensing& d = record.dispensings[i];
      const std::string_view name = d.ingredient.empty() ? d.drug_name : d.ingredient;
      if (std::find(medicines.begin(), medicines.end(), name) == medicines.end()) medicines.push_back(name);
    }
    const bool by_certificate = c == sync::RiskClass::kDialysis && medicines.empty();
    w.BeginObject();
    w.Key("class").String(sync::RiskClassName(c));
    w.Key("label_ja").String(sync::RiskClassLabelJa(c));
    w.Key("medicines").BeginArray();
    for (std::string_view m : medicines) w.String(m);
    w.EndArray();
    w.Key("source").String(by_certificate ? "specific_disease_certificate" : "dispensing");
    w.EndObject();
  }
  w.EndArray();
}

std::optional<double> Numeric(const std::string& value) {
  double v = 0;
  const char* begin = value.data();
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || value.empty()) return std::nullopt;
  return v;
}

void WriteCheckups(JsonText& w, const sync::PersonRecord& record) {
  std::vector<const sync::Checkup*> checkups;
  for (const sync::Checkup& c : record.checkups) checkups.push_back(&c);
  std::stable_sort(checkups.begin(), checkups.end(),
                   [](const sync::Checkup* a, const sync::Checkup* b) { return a->date < b->date; });
  // Each item code in first-seen order with its values, oldest first.
  struct Value {
    const sync::Checkup* checkup;
    const sync::CheckupItem* item;
  };
  std::vector<std::string_view> order;
  std::map<std::string_view, std::vector<Value>> items;
  for (const sync::Checkup* c : checkups) {
    for (const sync::CheckupItem& item : c->items) {
      auto [it, inserted] = items.try_emplace(item.code);
      if (inserted) order.push_back(item.code);
      it->second.push_back({c, &item});
    }
  }
  auto write_value = [&](const Value& v) {
    w.BeginObject();
    w.Key("abnormal").Bool(v.item->abnormal);
    WriteDate(w.Key("date"), v.checkup->date);
    w.Key("value").String(v.item->value);
    w.EndObject();
  };
  w.BeginObject();
  w.Key("items").BeginArray();
  for (std::string_view code : order) {
    const std::vector<Value>& values = items[code];
    const sync::CheckupItem& first = *values.front().item;  // name and unit as first seen
    w.BeginObject();
    w.Key("code").String(first.code);
    w.Key("latest");
    write_value(values.back());
    w.Key("name").String(first.name);
    w.Key("reference").String(values.back().item->reference);  // the newest reference
    w.Key("trend");
    std::optional<double> a, b;
    if (values.size() >= 2) {
      a = Numeric(values[values.size() - 2].item->value);
      b = Numeric(values.back().item->value);
    }
    if (a && b) {
      w.String(*b > *a ? "up" : *b < *a ? "down" : "same");
    } else {
      w.Null();
    }
    w.Key("unit").String(first.unit);
    w.Key("values").BeginArray();
    for (const Value& v : values) write_value(v);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("visits").BeginArray();
  for (const sync::Checkup* c : checkups) {
    w.BeginObject();
    WriteDate(w.Key("date"), c->date);
    w.Key("facility").String(c->facility_name);
    w.Key("judgement").String(c->judgement);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteCoverage(JsonText& w, const sync::PersonRecord& record, sync::Date today) {
  const sync::Coverage* current = sync::CoverageOn(record, today);
  w.BeginObject();
  w.Key("current");
  if (current) {
    w.Tree(CoverageJson(*current));
  } else {
    w.Null();
  }
  w.Key("history").BeginArray();
  for (auto it = record.coverages.rbegin(); it != record.coverages.rend(); ++it) {
    json c = CoverageJson(*it);
    c["current"] = &*it == current;
    w.Tree(c);
  }
  w.EndArray();
  w.Key("specific_diseases").BeginArray();
  for (const sync::SpecificDiseaseCertificate& d : record.specific_diseases) {
    w.BeginObject();
    w.Key("current").Bool(d.valid_from <= today && (d.valid_to == 0 || today < d.valid_to));
    w.Key("disease").String(sync::SpecificDiseaseName(d.disease));
    WriteDateOrNull(w.Key("valid_from"), d.valid_from);
    WriteDateOrNull(w.Key("valid_to"), d.valid_to);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteFreshness(JsonText& w, const DataFreshness& data) {
  w.BeginObject();
  w.Key("age_seconds");
  if (data.as_of) {
    w.Int(std::chrono::duration_cast<std::chrono::seconds>(data.now - *data.as_of).count());
  } else {
    w.Null();
  }
  w.Key("as_of");
  data.as_of ? w.String(FormatUtc(*data.as_of)) : w.Null();
  w.Key("expires_at");
  data.expires_at ? w.String(FormatUtc(*data.expires_at)) : w.Null();
  // What clinicians need: how old the records are, not when they were last
  // signed. A publication without a new import (a new node, a renewed
  // expiry) signs the same records again.
  w.Key("records_age_days");
  if (data.records_as_of != 0) {
    w.Int(RecordsAgeDays(data.records_as_of, data.now));
  } else {
    w.Null();
  }
  w.Key("records_as_of");
  data.records_as_of != 0 ? w.String(sync::FormatDate(data.records_as_of)) : w.Null();
  w.Key("stale").Bool(data.stale());
  w.Key("stale_since");
  data.stale() ? w.String(FormatUtc(*data.expires_at)) : w.Null();
  w.Key("version");
  data.version ? w.Int(*data.version) : w.Null();
  w.EndObject();
}

void WriteIdentity(JsonText& w, const sync::Person& p, sync::Date today) {
  w.BeginObject();
  w.Key("address").BeginObject();
  w.Key("municipality").String(p.address.municipality);
  w.Key("postal_code").String(p.address.postal_code);
  w.Key("prefecture").String(p.address.prefecture);
  w.Key("rest").String(p.address.rest);
  w.EndObject();
  w.Key("age");
  sync::IsValidDate(p.birth_date) ? w.Int(sync::AgeOn(p.birth_date, today)) : w.Null();
  WriteDate(w.Key("birth_date"), p.birth_date);
  w.Key("id").Int(p.id);
  w.Key("name").String(p.name);
  w.Key("name_kana").String(p.name_kana);
  w.Key("sex").String(SexName(p.sex));
  w.EndObject();
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
  std::string text;
  JsonText w(text);
  WriteFreshness(w, data);
  return json::parse(text);
}

json PersonIdentityJson(const sync::Person& p, sync::Date today) {
  std::string text;
  JsonText w(text);
  WriteIdentity(w, p, today);
  return json::parse(text);
}

std::string PersonSummaryText(const sync::PersonRecord& record, sync::Date today, const DataFreshness& data,
                              const json* access) {
  std::string text;
  text.reserve(8192);
  JsonText w(text);
  w.BeginObject();
  if (access != nullptr) w.Key("access").Tree(*access);
  w.Key("checkups");
  WriteCheckups(w, record);
  w.Key("coverage");
  WriteCoverage(w, record, today);
  w.Key("data");
  WriteFreshness(w, data);
  w.Key("medications");
  WriteMedications(w, record, today);
  w.Key("person");
  WriteIdentity(w, record.person, today);
  w.Key("risk_flags");
  WriteRiskFlags(w, record, today);
  WriteDate(w.Key("today"), today);
  w.EndObject();
  return text;
}

json PersonSummaryJson(const sync::PersonRecord& record, sync::Date today, const DataFreshness& data) {
  return json::parse(PersonSummaryText(record, today, data));
}

}  // namespace akari::node
