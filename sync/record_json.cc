#include "sync/record_json.h"

#include <array>
#include <cmath>

#include "base/bytes.h"
#include "sync/errors.h"
#include "sync/insurer_number.h"
#include "sync/internal/json_fields.h"

namespace akari::sync {
namespace {

using internal::JsonFields;
using nlohmann::json;

constexpr std::array<std::pair<Scheme, std::string_view>, 7> kSchemes = {{
    {Scheme::kKyokaiKenpo, "kyokai_kenpo"},
    {Scheme::kKenpoKumiai, "kenpo_kumiai"},
    {Scheme::kKyosai, "kyosai"},
    {Scheme::kKokuho, "kokuho"},
    {Scheme::kKokuhoKumiai, "kokuho_kumiai"},
    {Scheme::kKoki, "koki"},
    {Scheme::kOther, "other"},
}};
constexpr std::array<std::pair<DispensingSource, std::string_view>, 3> kSources = {{
    {DispensingSource::kClaims, "claims"},
    {DispensingSource::kEPrescription, "e_prescription"},
    {DispensingSource::kLocal, "local"},
}};
constexpr std::array<std::pair<SpecificDisease, std::string_view>, 3> kDiseases = {{
    {SpecificDisease::kDialysis, "dialysis"},
    {SpecificDisease::kHemophilia, "hemophilia"},
    {SpecificDisease::kHiv, "hiv"},
}};

template <typename E, std::size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
E Lookup(JsonFields& f, std::string_view key, const std::array<std::pair<E, std::string_view>, N>& table) {
  const std::string name = f.String(key);
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  if (f.ok()) f.Fail(key, "unknown value '" + name + "'");
  return table[0].first;
}

json DateJson(Date d) {
  return d == 0 ? json(nullptr) : json(FormatDate(d));
}

Date ReadDate(JsonFields& f, std::string_view key, bool required) {
  const std::string text = f.String(key, required, 16);
  if (text.empty()) {
    // An empty required date would be stored as "no date" and make every
    // later decode of the record fail: refused here, at import.
    if (required && f.ok()) f.Fail(key, "empty; a date (YYYY-MM-DD) is required");
    return 0;
  }
  const Date d = ParseDate(text);
  if (d == 0) f.Fail(key, "not a date (YYYY-MM-DD)");
  return d;
}

std::string Indexed(std::string_view name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

Coverage ReadCoverage(const json& j, const std::string& path, JsonFields& parent) {
  JsonFields f(j, path);
  Coverage c;
  c.insurer_number = NormalizeDigits(f.String("insurer_number", true, 16));
  if (f.ok()) {
    const auto problem = CheckInsurerNumber(c.insurer_number);
    if (problem != InsurerNumberProblem::kNone) {
      f.Fail("insurer_number", DescribeInsurerNumberProblem(problem, c.insurer_number));
    }
  }
  c.insurer_name = f.String("insurer_name", false, 200);
  c.scheme = Lookup(f, "scheme", kSchemes);
  c.symbol = f.String("symbol", false, 64);
  c.number = f.String("number", true, 64);
  c.branch = NormalizeDigits(f.String("branch", false, 8));
  if (f.ok() && !c.branch.empty() &&
      (c.branch.size() != 2 || c.branch.find_first_not_of("0123456789") != std::string::npos)) {
    f.Fail("branch", "枝番 must be 2 digits");
  }
  c.relationship = static_cast<Relationship>(f.Int("relationship", 1, 2));
  c.valid_from = ReadDate(f, "valid_from", true);
  c.valid_to = ReadDate(f, "valid_to", false);
  if (f.ok() && c.valid_to != 0 && c.valid_to <= c.valid_from) f.Fail("valid_to", "not after valid_from");
  const auto loss = f.Int("loss_reason", 0, 99, false);
  if (loss != 0 && loss != 1 && loss != 2 && loss != 3 && loss != 99) f.Fail("loss_reason", "unknown code");
  c.loss_reason = static_cast<LossReason>(loss);
  c.copay_percent = static_cast<int>(f.Int("copay_percent", 0, 30));
  if (f.ok() && c.copay_percent != 10 && c.copay_percent != 20 && c.copay_percent != 30 && c.copay_percent != 0) {
    f.Fail("copay_percent", "must be 0, 10, 20 or 30");
  }
  c.high_cost_category = f.String("high_cost_category", false, 32);
  parent.Absorb(f);
  return c;
}

Dispensing ReadDispensing(const json& j, const std::string& path, JsonFields& parent) {
  JsonFields f(j, path);
  Dispensing d;
  d.date = ReadDate(f, "date", true);
  d.prescribed_date = ReadDate(f, "prescribed_date", false);
  d.pharmacy_code = f.String("pharmacy_code", false, 16);
  d.pharmacy_name = f.String("pharmacy_name", false, 200);
  d.prescriber_code = f.String("prescriber_code", false, 16);
  d.prescriber_name = f.String("prescriber_name", false, 200);
  d.yj_code = f.String("yj_code", false, 16);
  d.drug_name = f.String("drug_name", true, 200);
  d.ingredient = f.String("ingredient", false, 200);
  d.strength = f.String("strength", false, 64);
  d.quantity = f.Number("quantity", 0, 1e6, false);
  d.unit = f.String("unit", false, 32);
  d.days_or_times = static_cast<int>(f.Int("days_or_times", 0, 1000, false));
  const auto route = f.Int("route", 21, 24, false, 21);
  d.route = static_cast<Route>(route);
  d.usage = f.String("usage", false, 400);
  d.source = Lookup(f, "source", kSources);
  parent.Absorb(f);
  return d;
}

Checkup ReadCheckup(const json& j, const std::string& path, JsonFields& parent) {
  JsonFields f(j, path);
  Checkup c;
  c.date = ReadDate(f, "date", true);
  c.facility_name = f.String("facility_name", false, 200);
  c.judgement = f.String("judgement", false, 400);
  const json& items = f.Array("items", false, 500);
  for (std::size_t i = 0; i < items.size() && f.ok(); ++i) {
    JsonFields fi(items[i], path + "." + Indexed("items", i));
    CheckupItem item;
    item.code = fi.String("code", true, 32);
    item.name = fi.String("name", true, 200);
    item.value = fi.String("value", true, 64);
    item.unit = fi.String("unit", false, 32);
    item.reference = fi.String("reference", false, 64);
    item.abnormal = fi.Bool("abnormal");
    f.Absorb(fi);
    c.items.push_back(std::move(item));
  }
  parent.Absorb(f);
  return c;
}

}  // namespace

std::string_view SchemeName(Scheme s) {
  return NameOf(kSchemes, s);
}
std::string_view DispensingSourceName(DispensingSource s) {
  return NameOf(kSources, s);
}
std::string_view SpecificDiseaseName(SpecificDisease d) {
  return NameOf(kDiseases, d);
}

json RecordToJson(const PersonRecord& r) {
  const Person& p = r.person;
  json j = {{"id", p.id},
            {"name", p.name},
            {"name_kana", p.name_kana},
            {"birth_date", FormatDate(p.birth_date)},
            {"sex", static_cast<int>(p.sex)},
            {"address",
             {{"postal_code", p.address.postal_code},
              {"prefecture", p.address.prefecture},
              {"municipality", p.address.municipality},
              {"rest", p.address.rest}}}};
  json& coverages = j["coverages"] = json::array();
  for (const Coverage& c : r.coverages) {
    coverages.push_back({{"insurer_number", c.insurer_number},
                         {"insurer_name", c.insurer_name},
                         {"scheme", SchemeName(c.scheme)},
                         {"symbol", c.symbol},
                         {"number", c.number},
                         {"branch", c.branch},
                         {"relationship", static_cast<int>(c.relationship)},
                         {"valid_from", DateJson(c.valid_from)},
                         {"valid_to", DateJson(c.valid_to)},
                         {"loss_reason", static_cast<int>(c.loss_reason)},
                         {"copay_percent", c.copay_percent},
                         {"high_cost_category", c.high_cost_category}});
  }
  json& diseases = j["specific_diseases"] = json::array();
  for (const SpecificDiseaseCertificate& c : r.specific_diseases) {
    diseases.push_back({{"disease", SpecificDiseaseName(c.disease)},
                        {"valid_from", DateJson(c.valid_from)},
                        {"valid_to", DateJson(c.valid_to)}});
  }
  json& links = j["card_links"] = json::array();
  for (const CardLink& l : r.card_links) links.push_back({{"issuer", l.issuer_der_hex}, {"serial", l.serial_hex}});
  json& dispensings = j["dispensings"] = json::array();
  for (const Dispensing& d : r.dispensings) {
    dispensings.push_back({{"date", DateJson(d.date)},
                           {"prescribed_date", DateJson(d.prescribed_date)},
                           {"pharmacy_code", d.pharmacy_code},
                           {"pharmacy_name", d.pharmacy_name},
                           {"prescriber_code", d.prescriber_code},
                           {"prescriber_name", d.prescriber_name},
                           {"yj_code", d.yj_code},
                           {"drug_name", d.drug_name},
                           {"ingredient", d.ingredient},
                           {"strength", d.strength},
                           {"quantity", d.quantity},
                           {"unit", d.unit},
                           {"days_or_times", d.days_or_times},
                           {"route", static_cast<int>(d.route)},
                           {"usage", d.usage},
                           {"source", DispensingSourceName(d.source)}});
  }
  json& checkups = j["checkups"] = json::array();
  for (const Checkup& c : r.checkups) {
    json items = json::array();
    for (const CheckupItem& i : c.items) {
      items.push_back({{"code", i.code},
                       {"name", i.name},
                       {"value", i.value},
                       {"unit", i.unit},
                       {"reference", i.reference},
                       {"abnormal", i.abnormal}});
    }
    checkups.push_back(
        {{"date", DateJson(c.date)}, {"facility_name", c.facility_name}, {"judgement", c.judgement}, {"items", items}});
  }
  return j;
}

Result<PersonRecord> RecordFromJson(const json& j) {
  PersonRecord r;
  JsonFields f(j, "");
  r.person.id = f.Int("id", 1, INT64_MAX);
  const std::string prefix = "person " + std::to_string(r.person.id);
  r.person.name = f.String("name", true, 200);
  r.person.name_kana = f.String("name_kana", true, 200);
  r.person.birth_date = ReadDate(f, "birth_date", true);
  r.person.sex = static_cast<Sex>(f.Int("sex", 1, 3));
  if (const json* a = f.Find("address"); a != nullptr) {
    JsonFields fa(*a, "address");
    r.person.address.postal_code = fa.String("postal_code", false, 16);
    r.person.address.prefecture = fa.String("prefecture", false, 32);
    r.person.address.municipality = fa.String("municipality", false, 100);
    r.person.address.rest = fa.String("rest", false, 300);
    f.Absorb(fa);
  }
  if (f.ok() && r.person.name.empty()) f.Fail("name", "empty");
  if (f.ok() && r.person.name_kana.empty()) f.Fail("name_kana", "empty");
  const json& coverages = f.Array("coverages", false, 200);
  for (std::size_t i = 0; i < coverages.size() && f.ok(); ++i) {
    r.coverages.push_back(ReadCoverage(coverages[i], Indexed("coverages", i), f));
  }
  const json& diseases = f.Array("specific_diseases", false, 20);
  for (std::size_t i = 0; i < diseases.size() && f.ok(); ++i) {
    JsonFields fd(diseases[i], Indexed("specific_diseases", i));
    SpecificDiseaseCertificate c;
    c.disease = Lookup(fd, "disease", kDiseases);
    c.valid_from = ReadDate(fd, "valid_from", true);
    c.valid_to = ReadDate(fd, "valid_to", false);
    f.Absorb(fd);
    r.specific_diseases.push_back(c);
  }
  const json& links = f.Array("card_links", false, 20);
  for (std::size_t i = 0; i < links.size() && f.ok(); ++i) {
    JsonFields fl(links[i], Indexed("card_links", i));
    CardLink l{fl.String("issuer", true, 2048), fl.String("serial", true, 64)};
    if (fl.ok() && (!FromHex(l.issuer_der_hex) || !FromHex(l.serial_hex) || l.serial_hex.empty())) {
      fl.Fail("", "issuer and serial must be hex");
    }
    f.Absorb(fl);
    r.card_links.push_back(std::move(l));
  }
  const json& dispensings = f.Array("dispensings", false, 20000);
  r.dispensings.reserve(dispensings.size());
  for (std::size_t i = 0; i < dispensings.size() && f.ok(); ++i) {
    r.dispensings.push_back(ReadDispensing(dispensings[i], Indexed("dispensings", i), f));
  }
  const json& checkups = f.Array("checkups", false, 100);
  for (std::size_t i = 0; i < checkups.size() && f.ok(); ++i) {
    r.checkups.push_back(ReadCheckup(checkups[i], Indexed("checkups", i), f));
  }
  if (!f.ok()) return MakeError(SyncErrc::kInvalidRecord, prefix + ": " + f.error());
  return r;
}

}  // namespace akari::sync
