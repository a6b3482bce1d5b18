// Medication and checkup histories: chronic conditions (regimens.cc) with
// onset dates on each person's timeline, regular visits every 4–8 weeks,
// acute episodes, and yearly 特定健診 for ages 40–74.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/internal.h"
#include "fieldkit/gen/random.h"
#include "fieldkit/gen/regimens.h"
#include "fieldkit/gen/tables.h"
#include "sync/insurer_number.h"

namespace akari::fieldkit::gen::internal {
namespace {

using sync::Dispensing;
using sync::Route;

struct Condition {
  Cond cond;
  Date onset;
  const Regimen* first;
  const Regimen* second;  // after `change`, or nullptr
  Date change;
};

std::size_t AgeBand(int age) {
  if (age < 40) return 0;
  return static_cast<std::size_t>(std::min(age, 89) / 10 - 3);
}

std::vector<Condition> DrawConditions(const GenContext& ctx, const PersonCore& p) {
  std::vector<Condition> out;
  const int age = sync::AgeOn(p.birth, kPopulationDate);
  const auto& specs = Conditions();
  for (std::size_t c = 0; c < specs.size(); ++c) {
    const ConditionSpec& s = specs[c];
    Rng rng(ctx.key, Stream::kCondition, static_cast<std::uint64_t>(p.id), c);
    const double prevalence = (p.sex == sync::Sex::kMale ? s.male : s.female)[AgeBand(age)];
    if (age < s.min_age || !rng.Chance(prevalence)) continue;
    Condition cond{static_cast<Cond>(c), 0, nullptr, nullptr, 0};
    const Date earliest = std::max(BirthdayAt(p.birth, s.min_age), 19900101);
    const std::int64_t span = std::max<std::int64_t>(1, DaysBetween(earliest, kPopulationDate));
    // Most have had it for years; some start only after the anchor date.
    cond.onset = rng.Chance(0.85)
                     ? AddDays(earliest, static_cast<std::int64_t>(rng.Uniform() * static_cast<double>(span)))
                     : AddDays(kPopulationDate, rng.Range(1, 3 * 365));
    const std::span<const Regimen> regimens = RegimensFor(s, age);
    if (!regimens.empty()) {
      const int last = static_cast<int>(regimens.size()) - 1;
      cond.first = &regimens[static_cast<std::size_t>(rng.Range(0, last))];
      if (rng.Chance(0.35)) {
        cond.second = &regimens[static_cast<std::size_t>(rng.Range(0, last))];
        cond.change = AddDays(cond.onset, rng.Range(200, 8 * 365));
      }
    }
    out.push_back(cond);
  }
  return out;
}

// A facility: 10-digit 医療機関等コード (都道府県 2 + 点数表 1 + 郡市区 2 +
// serial 4 + check 1) and a synthetic name.
struct Facility {
  std::string code;
  std::string name;
};

Facility MakeFacility(const GenContext& ctx, int municipality, Clinic kind, int index, bool pharmacy) {
  Rng rng(ctx.key, Stream::kFacility, static_cast<std::uint64_t>(municipality) * 16 + static_cast<std::uint64_t>(kind),
          static_cast<std::uint64_t>(index), pharmacy ? 1 : 0);
  const Prefecture& pref = *ctx.prefecture;
  const Municipality& m = pref.municipalities[static_cast<std::size_t>(municipality)];
  std::string body = std::string(pref.code) + (pharmacy ? "4" : "1") +
                     Padded(static_cast<std::uint64_t>(municipality + 1), 2) +
                     Padded(static_cast<std::uint64_t>(1000 + static_cast<int>(kind) * 1000 + index * 37 % 997), 4);
  Facility f;
  f.code = body + static_cast<char>('0' + sync::InsurerCheckDigit(body));
  const std::string_view town = rng.Pick(m.towns);
  if (pharmacy) {
    f.name = std::string(rng.Pick(pref.pharmacy_chains)) + " " + std::string(town) + "店";
    return f;
  }
  static constexpr std::array<std::string_view, kClinics.size()> kKinds = {
      "内科クリニック",     "メンタルクリニック", "脳神経内科",         "リウマチ科クリニック", "総合病院",
      "耳鼻科アレルギー科", "眼科クリニック",     "泌尿器科クリニック", "整形外科クリニック"};
  if (kind == Clinic::kHospital) {
    f.name = std::string(m.short_name) + (index % 2 == 0 ? "中央総合病院" : "市民病院");
  } else {
    f.name = std::string(town) + std::string(kKinds[static_cast<std::size_t>(kind)]);
  }
  return f;
}

double EPrescriptionShare(Date d) {
  if (d < 20230126) return 0;  // 電子処方箋 started on 2023-01-26
  return std::min(0.45, 0.04 + 0.09 * static_cast<double>(DaysBetween(20230126, d)) / 365.0);
}

bool AsNeeded(std::string_view usage) {
  static constexpr std::array<std::string_view, 4> kWhen = {"不穏時", "疼痛時", "発熱時", "発作時"};
  return std::any_of(kWhen.begin(), kWhen.end(), [&](std::string_view w) { return usage.starts_with(w); });
}

// `dose` dose units of `drug` in its dispensing unit, rounded up to whole
// containers (pens, inhalers, bottles, tubes).
double Dispensed(const Drug& drug, double dose) {
  double amount = drug.dose_per_unit > 0 ? dose / drug.dose_per_unit : dose;
  if (drug.pack > 0) amount = std::ceil(amount / drug.pack - 1e-9) * drug.pack;
  return amount;
}

// 湿布薬 (NSAID patches, 2649) are limited to 63 枚 a prescription since the
// 2022 診療報酬改定.
constexpr double kPatchLimit = 63;

void AddLine(const Line& line, Date date, int days, const Facility& clinic, const Facility& pharmacy,
             sync::DispensingSource source, sync::PersonRecord& r) {
  const Drug& drug = DrugByYj(line.yj);
  Dispensing d;
  d.date = date;
  d.prescribed_date = date;
  d.pharmacy_code = pharmacy.code;
  d.pharmacy_name = pharmacy.name;
  d.prescriber_code = clinic.code;
  d.prescriber_name = clinic.name;
  d.yj_code = std::string(drug.yj);
  d.drug_name = std::string(drug.name);
  d.ingredient = std::string(drug.ingredient);
  d.strength = std::string(drug.strength);
  d.unit = std::string(drug.unit);
  d.usage = std::string(line.usage);
  d.route = line.route;
  d.source = source;
  const double daily = line.daily > 0 ? line.daily : drug.usual_daily;
  const bool weekly = line.usage.starts_with("週1回");
  if (line.route == Route::kInjection || line.route == Route::kExternal) {
    // Pens, inhalers, drops and patches: the whole amount for the period.
    d.quantity = Dispensed(drug, weekly ? daily * std::max(1, days / 7) : daily * days);
    if (drug.form == DrugForm::kPatch && drug.yj.starts_with("2649")) d.quantity = std::min(d.quantity, kPatchLimit);
    d.days_or_times = 1;
  } else if (weekly) {
    d.quantity = daily;
    d.days_or_times = std::max(1, days / 7);
  } else if (AsNeeded(line.usage)) {
    d.route = Route::kAsNeeded;
    d.quantity = daily;
    d.days_or_times = 10;
  } else {
    d.quantity = daily;
    d.days_or_times = days;
  }
  r.dispensings.push_back(std::move(d));
}

// 向精神薬 with a 30-day prescription limit (厚労省告示).
bool ThirtyDayLimit(std::string_view yj) {
  return yj.starts_with("1124") || yj.starts_with("1129") || yj == "1179025F1026" || yj == "1179025F2022";
}

void AddVisits(const GenContext& ctx, const PersonCore& p, const std::vector<Condition>& conds, Clinic clinic,
               sync::PersonRecord& r) {
  Date anchor = 0;
  for (const Condition& c : conds) {
    if (Conditions()[c.cond].clinic == clinic && c.first != nullptr && (anchor == 0 || c.onset < anchor)) {
      anchor = c.onset;
    }
  }
  if (anchor == 0) return;
  Rng rng(ctx.key, Stream::kVisit, static_cast<std::uint64_t>(p.id), static_cast<std::uint64_t>(clinic));
  static constexpr std::array<int, 5> kCadence = {28, 28, 35, 42, 56};
  int cadence = kCadence[static_cast<std::size_t>(rng.Range(0, 4))];
  if (clinic == Clinic::kPsych || clinic == Clinic::kHospital) cadence = 28;
  const bool in_house = rng.Chance(0.2);
  const Facility doctor = MakeFacility(ctx, p.municipality, clinic, rng.Range(0, 11), false);
  const Facility pharmacy = in_house ? doctor : MakeFacility(ctx, p.municipality, clinic, rng.Range(0, 7), true);
  const Date window = WindowStart(ctx.as_of, kDispensingYears);
  const std::int64_t first = std::max<std::int64_t>(0, DaysBetween(anchor, window) / cadence - 1);
  for (std::int64_t n = first;; ++n) {
    Rng visit(ctx.key, Stream::kVisit, static_cast<std::uint64_t>(p.id),
              static_cast<std::uint64_t>(clinic) * 100000 + static_cast<std::uint64_t>(n), 1);
    const Date date = SkipSunday(AddDays(anchor, n * cadence + visit.Range(-3, 3)));
    if (date > ctx.as_of || (p.end != 0 && date >= p.end)) break;
    if (date <= window || visit.Chance(0.03)) continue;  // window, or a missed visit
    const auto source = visit.Chance(EPrescriptionShare(date)) ? sync::DispensingSource::kEPrescription
                                                               : sync::DispensingSource::kClaims;
    for (const Condition& c : conds) {
      if (Conditions()[c.cond].clinic != clinic || c.first == nullptr || c.onset > date) continue;
      const Regimen& rx = (c.second != nullptr && date >= c.change) ? *c.second : *c.first;
      for (std::size_t i = 0; i < rx.size(); ++i) {
        const Line& line = rx[i];
        if (line.yj.empty()) continue;
        if (line.every > 1) {  // a reliever lasts longer than one visit
          Rng refill(ctx.key, Stream::kVisit, static_cast<std::uint64_t>(p.id),
                     static_cast<std::uint64_t>(clinic) * 100000 + static_cast<std::uint64_t>(n),
                     16 + static_cast<std::uint64_t>(c.cond) * 8 + i);
          if (!refill.Chance(1.0 / line.every)) continue;
        }
        const int days = ThirtyDayLimit(line.yj) ? std::min(cadence, 30) : cadence;
        AddLine(line, date, days, doctor, pharmacy, source, r);
      }
    }
  }
}

// `age` picks the child or adult list; `youngest_age` (the age on 1 January)
// decides which episodes are allowed all year.
const AcuteEpisode& PickEpisode(Rng& rng, int age, int youngest_age) {
  if (age < 7) return rng.Pick(ChildEpisodes());
  const std::span<const AcuteEpisode> adult = AdultEpisodes();
  for (int attempt = 0; attempt < 3; ++attempt) {
    const AcuteEpisode& ep = rng.Pick(adult);
    if (youngest_age >= ep.min_age) return ep;
  }
  return adult.front();  // a cold
}

// Influenza is seen from December to March.
Date FluSeasonDate(Rng& rng, int year) {
  if (rng.Chance(0.2)) return SkipSunday(AddDays(MakeDate(year, 12, 1), rng.Range(0, 29)));
  return SkipSunday(AddDays(MakeDate(year, 1, 8), rng.Range(0, 80)));
}

void AddAcute(const GenContext& ctx, const PersonCore& p, sync::PersonRecord& r) {
  const Date window = WindowStart(ctx.as_of, kDispensingYears);
  for (int year = Year(window); year <= Year(ctx.as_of); ++year) {
    Rng rng(ctx.key, Stream::kAcute, static_cast<std::uint64_t>(p.id), static_cast<std::uint64_t>(year));
    const int age = sync::AgeOn(p.birth, MakeDate(year, 7, 1));
    const int youngest_age = sync::AgeOn(p.birth, MakeDate(year, 1, 1));
    if (age < 0) continue;
    const double rate = age < 7 ? 2.5 : (age < 65 ? 0.8 : 1.1);
    int count = 0;
    for (double x = rng.Uniform(); x < rate && count < 6; x += rng.Uniform() * 1.5) ++count;
    for (int e = 0; e < count; ++e) {
      Date date = SkipSunday(AddDays(MakeDate(year, 1, 1), rng.Range(0, 364)));
      const AcuteEpisode& ep = PickEpisode(rng, age, youngest_age);
      if (ep.flu_season) date = FluSeasonDate(rng, year);
      const Facility doctor = MakeFacility(ctx, p.municipality, Clinic::kInternal, rng.Range(0, 11), false);
      const Facility pharmacy = MakeFacility(ctx, p.municipality, Clinic::kInternal, rng.Range(0, 7), true);
      if (date <= window || date > ctx.as_of || (p.end != 0 && date >= p.end) || date < p.birth) continue;
      const auto source = rng.Chance(EPrescriptionShare(date)) ? sync::DispensingSource::kEPrescription
                                                               : sync::DispensingSource::kClaims;
      for (const Line& line : ep.lines) {
        if (line.yj.empty()) continue;
        AddLine(line, date, line.days > 0 ? line.days : ep.days, doctor, pharmacy, source, r);
      }
    }
  }
}

}  // namespace

void AddClinical(const GenContext& ctx, const PersonCore& core, sync::PersonRecord& record) {
  const std::vector<Condition> conds = DrawConditions(ctx, core);
  ConditionOnsets onsets{};
  for (const Condition& c : conds) {
    onsets[c.cond] = c.onset;
    if (c.cond == kDialysis || c.cond == kHiv) {
      const Date from = std::max(c.onset, 19900101);
      if (from <= ctx.as_of && (core.end == 0 || core.end > from)) {
        sync::SpecificDiseaseCertificate cert;
        cert.disease = c.cond == kDialysis ? sync::SpecificDisease::kDialysis : sync::SpecificDisease::kHiv;
        cert.valid_from = from;
        cert.valid_to = core.end != 0 && core.end <= ctx.as_of ? core.end : 0;
        record.specific_diseases.push_back(cert);
      }
    }
  }
  for (const Clinic c : kClinics) AddVisits(ctx, core, conds, c, record);
  AddAcute(ctx, core, record);
  std::stable_sort(record.dispensings.begin(), record.dispensings.end(),
                   [](const Dispensing& a, const Dispensing& b) { return a.date < b.date; });
  AddCheckups(ctx, core, onsets, record);
}

std::vector<DrawnCondition> DrawnConditions(const GenContext& ctx, const PersonCore& core) {
  std::vector<DrawnCondition> out;
  for (const Condition& c : DrawConditions(ctx, core)) out.push_back({c.cond, c.onset});
  return out;
}

}  // namespace akari::fieldkit::gen::internal
