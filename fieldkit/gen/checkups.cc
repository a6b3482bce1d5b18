// 特定健診 (specific health checkups) for ages 40–74: one a fiscal year
// when the person attends, with the MHLW 17-character item codes of
// domain.md §1.3, values correlated with age, sex and conditions, the
// 保健指導判定値 as reference ranges, and an overall judgement.
#include <algorithm>
#include <cstdio>

#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/internal.h"
#include "fieldkit/gen/random.h"

namespace akari::fieldkit::gen::internal {
namespace {

std::string Fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

bool Had(const ConditionOnsets& onsets, CheckupCondition c, Date on) {
  const Date d = onsets[static_cast<std::size_t>(c)];
  return d != 0 && d <= on;
}

struct Baseline {
  double height, bmi, sbp, ldl, hdl, tg, ast, alt, ggt, hba1c, egfr_offset;
  double propensity;
};

Baseline MakeBaseline(const GenContext& ctx, const PersonCore& p) {
  Rng rng(ctx.key, Stream::kCheckup, static_cast<std::uint64_t>(p.id));
  const bool male = p.sex == sync::Sex::kMale;
  Baseline b;
  b.height = rng.Normal(male ? 168 : 155, 6) - (Year(p.birth) < 1960 ? 3 : 0);
  b.bmi = std::clamp(rng.Normal(male ? 23.8 : 22.3, 3.2), 16.0, 38.0);
  b.sbp = rng.Normal(0, 9);
  b.ldl = rng.Normal(male ? 122 : 128, 28);
  b.hdl = rng.Normal(male ? 55 : 67, 13);
  b.tg = std::exp(rng.Normal(male ? 4.75 : 4.45, 0.45));
  b.ast = rng.Normal(22, 5);
  b.alt = rng.Normal(male ? 24 : 17, 8);
  b.ggt = std::exp(rng.Normal(male ? 3.5 : 2.9, 0.55));
  b.hba1c = rng.Normal(5.55, 0.25);
  b.egfr_offset = rng.Normal(0, 10);
  const double r = rng.Uniform();
  b.propensity = r < 0.45 ? 0.92 : (r < 0.7 ? 0.5 : 0.04);
  return b;
}

sync::CheckupItem Item(std::string_view code, std::string_view name, std::string value, std::string_view unit,
                       std::string_view reference, bool abnormal) {
  return {std::string(code), std::string(name), std::move(value), std::string(unit), std::string(reference), abnormal};
}

sync::Checkup MakeCheckup(const GenContext& ctx, const PersonCore& p, const Baseline& b, const ConditionOnsets& onsets,
                          Date date, int fiscal_year) {
  Rng rng(ctx.key, Stream::kCheckupYear, static_cast<std::uint64_t>(p.id), static_cast<std::uint64_t>(fiscal_year));
  const bool male = p.sex == sync::Sex::kMale;
  const int age = sync::AgeOn(p.birth, date);
  const bool ht = Had(onsets, kCkHypertension, date);
  const bool dl = Had(onsets, kCkDyslipidemia, date);
  const bool dm = Had(onsets, kCkDiabetes, date) || Had(onsets, kCkInsulin, date);
  sync::Checkup c;
  c.date = date;
  c.facility_name = std::string(ctx.prefecture->checkup_facility);
  const double bmi = std::clamp(b.bmi + rng.Normal(0, 0.4) + (dm ? 1.2 : 0), 15.0, 40.0);
  const double height = b.height + rng.Normal(0, 0.3);
  const double weight = bmi * height * height / 10000.0;
  const double waist = (male ? 2.6 : 2.4) * bmi + (male ? 24 : 22) + rng.Normal(0, 3);
  double sbp = 108 + 0.55 * age + 1.2 * (bmi - 22) + b.sbp + rng.Normal(0, 7) + (ht ? 12 : 0);
  if (ht) sbp -= 10;  // treated
  const double dbp = sbp * 0.6 + rng.Normal(0, 5);
  const double ldl = std::max(40.0, b.ldl + rng.Normal(0, 10) - (dl ? 35 : 0) + (dl ? 10 : 0));
  const double hdl = std::max(25.0, b.hdl + rng.Normal(0, 4) - (bmi - 22) * 0.8);
  const double tg = std::max(30.0, b.tg * std::exp(rng.Normal(0, 0.2)) * (1 + (bmi - 22) * 0.03));
  const double hba1c = std::max(4.5, b.hba1c + (dm ? rng.Normal(1.4, 0.7) : rng.Normal(0, 0.12)) + (age - 40) * 0.004);
  const double fpg = 18 * hba1c - 3 + rng.Normal(0, 6);
  const double ast = std::max(10.0, b.ast + rng.Normal(0, 3));
  const double alt = std::max(6.0, b.alt + rng.Normal(0, 4) + (bmi - 22) * 1.2);
  const double ggt = std::max(8.0, b.ggt * std::exp(rng.Normal(0, 0.15)));
  const double egfr = std::clamp(112 - 0.75 * age + b.egfr_offset + rng.Normal(0, 4) - (dm ? 5 : 0), 8.0, 130.0);
  // CKD-EPI–style inversion of the Japanese eGFR formula for creatinine.
  const double cr = std::pow(194.0 * std::pow(age, -0.287) * (male ? 1.0 : 0.739) / egfr, 1 / 1.094);
  const bool glucose_urine = hba1c > 7.5 && rng.Chance(0.5);
  const bool protein_urine = egfr < 55 ? rng.Chance(0.35) : rng.Chance(0.04);
  auto& items = c.items;
  items.push_back(Item("9N001000000000001", "身長", Fixed(height, 1), "cm", "", false));
  items.push_back(Item("9N006000000000001", "体重", Fixed(weight, 1), "kg", "", false));
  items.push_back(Item("9N011000000000001", "BMI", Fixed(bmi, 1), "kg/m2", "<25", bmi >= 25));
  items.push_back(Item("9N016160100000001", "腹囲（実測）", Fixed(waist, 1), "cm", male ? "<85" : "<90",
                       waist >= (male ? 85 : 90)));
  items.push_back(Item("9A751000000000001", "収縮期血圧（1回目）", Fixed(sbp, 0), "mmHg", "<130", sbp >= 130));
  items.push_back(Item("9A761000000000001", "拡張期血圧（1回目）", Fixed(dbp, 0), "mmHg", "<85", dbp >= 85));
  items.push_back(Item("3F015000002327101", "中性脂肪", Fixed(tg, 0), "mg/dL", "<150", tg >= 150));
  items.push_back(Item("3F070000002327101", "HDLコレステロール", Fixed(hdl, 0), "mg/dL", ">=40", hdl < 40));
  items.push_back(Item("3F077000002327101", "LDLコレステロール", Fixed(ldl, 0), "mg/dL", "<120", ldl >= 120));
  items.push_back(Item("3B035000002327201", "AST(GOT)", Fixed(ast, 0), "U/L", "<=30", ast > 30));
  items.push_back(Item("3B045000002327201", "ALT(GPT)", Fixed(alt, 0), "U/L", "<=30", alt > 30));
  items.push_back(Item("3B090000002327101", "γ-GT(γ-GTP)", Fixed(ggt, 0), "U/L", "<=50", ggt > 50));
  items.push_back(Item("3C015000002327101", "血清クレアチニン", Fixed(cr, 2), "mg/dL", male ? "0.61-1.04" : "0.47-0.79",
                       cr > (male ? 1.04 : 0.79)));
  items.push_back(Item("8A065000002391901", "eGFR", Fixed(egfr, 1), "mL/min/1.73m2", ">=60", egfr < 60));
  items.push_back(Item("3D010000001927201", "空腹時血糖", Fixed(fpg, 0), "mg/dL", "<100", fpg >= 100));
  items.push_back(Item("3D046000001920402", "HbA1c（NGSP値）", Fixed(hba1c, 1), "%", "<5.6", hba1c >= 5.6));
  items.push_back(Item("1A020000000190111", "尿糖", glucose_urine ? "(+)" : "(-)", "", "(-)", glucose_urine));
  items.push_back(Item("1A010000000190111", "尿蛋白", protein_urine ? "(+)" : "(-)", "", "(-)", protein_urine));
  // 判定: 受診勧奨 thresholds (標準的な健診・保健指導プログラム) unless treated.
  std::vector<std::string> refer;
  if (sbp >= 160 || dbp >= 100) refer.push_back(ht ? "血圧（治療中）" : "血圧");
  if (hba1c >= 6.5 || fpg >= 126) refer.push_back(dm ? "血糖（治療中）" : "血糖");
  if (ldl >= 140 || tg >= 300) refer.push_back(dl ? "脂質（治療中）" : "脂質");
  if (egfr < 45 || protein_urine) refer.push_back("腎機能");
  if (alt >= 51 || ggt >= 101) refer.push_back("肝機能");
  const int risks = (sbp >= 130 || dbp >= 85) + (hba1c >= 5.6 || fpg >= 100) + (tg >= 150 || hdl < 40);
  const bool metabolic = waist >= (male ? 85 : 90) && risks >= 2;
  if (!refer.empty()) {
    c.judgement = "要医療（";
    for (std::size_t i = 0; i < refer.size(); ++i) c.judgement += (i ? "・" : "") + refer[i];
    c.judgement += "）";
  } else if (metabolic) {
    c.judgement = "要指導（メタボリックシンドローム基準該当）";
  } else if (std::any_of(items.begin(), items.end(), [](const sync::CheckupItem& i) { return i.abnormal; })) {
    c.judgement = "要経過観察";
  } else {
    c.judgement = "異常なし";
  }
  return c;
}

}  // namespace

void AddCheckups(const GenContext& ctx, const PersonCore& p, const ConditionOnsets& onsets,
                 sync::PersonRecord& record) {
  const Date window = WindowStart(ctx.as_of, kCheckupYears);
  const Baseline base = MakeBaseline(ctx, p);
  for (int fy = Year(window) - 1; fy <= Year(ctx.as_of); ++fy) {
    Rng rng(ctx.key, Stream::kCheckupYear, static_cast<std::uint64_t>(p.id), static_cast<std::uint64_t>(fy), 1);
    const Date date = SkipSunday(AddDays(MakeDate(fy, 6, 1), rng.Range(0, 160)));
    const int age = sync::AgeOn(p.birth, date);
    if (age < 40 || age > 74 || !rng.Chance(base.propensity)) continue;
    if (date <= window || date > ctx.as_of || (p.end != 0 && date >= p.end)) continue;
    record.checkups.push_back(MakeCheckup(ctx, p, base, onsets, date, fy));
  }
}

}  // namespace akari::fieldkit::gen::internal
