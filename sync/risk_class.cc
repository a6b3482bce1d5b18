#include "sync/risk_class.h"

#include <algorithm>
#include <array>
#include <span>

namespace akari::sync {
namespace {

struct PrefixRule {
  std::string_view yj_prefix;
  RiskClass risk;
};

// 薬効分類 prefixes (日本標準商品分類 87xxxx; YJ digits 1-4).
constexpr auto kPrefixRules = std::to_array<PrefixRule>({
    {"2492", RiskClass::kInsulin},       // インスリン製剤
    {"396", RiskClass::kAntidiabetic},   // 糖尿病用剤
    {"333", RiskClass::kAnticoagulant},  // 血液凝固阻止剤 (warfarin 3332, DOACs 3339)
    {"3399", RiskClass::kAntiplatelet},  // aspirin 3399007, clopidogrel 3399008 …
    {"113", RiskClass::kAntiepileptic},  // 抗てんかん剤
    {"245", RiskClass::kSteroid},        // 副腎ホルモン剤
    {"112", RiskClass::kPsychotropic},   // 催眠鎮静剤・抗不安剤
    {"117", RiskClass::kPsychotropic},   // 精神神経用剤
    {"116", RiskClass::kAntiparkinson},  // 抗パーキンソン剤
    {"243", RiskClass::kThyroid},        // 甲状腺・副甲状腺ホルモン剤
    {"2190", RiskClass::kDialysis},      // phosphate binders (その他の循環器官用薬)
});

// Catch-all classes resolved by ingredient (一般名 as written in 薬剤情報).
// GLP-1 receptor agonists sit in 2499 その他のホルモン剤 beside leuprorelin,
// goserelin and octreotide, which are not antidiabetics.
constexpr auto kGlp1Agonists = std::to_array<std::string_view>(
    {"リラグルチド", "デュラグルチド", "セマグルチド", "エキセナチド", "リキシセナチド", "チルゼパチド"});
constexpr auto kImmunosuppressants =
    std::to_array<std::string_view>({"タクロリムス", "シクロスポリン", "ミコフェノール酸", "アザチオプリン",
                                     "エベロリムス", "ミゾリビン", "バシリキシマブ", "メトトレキサート"});
constexpr auto kAntiretrovirals = std::to_array<std::string_view>(
    {"ドルテグラビル", "ビクテグラビル", "ラルテグラビル", "エルビテグラビル", "カボテグラビル", "エムトリシタビン",
     "テノホビル", "アバカビル", "ダルナビル", "リトナビル", "リルピビリン", "ドラビリン", "エファビレンツ",
     "ジドブジン", "ラミブジン", "ネビラピン", "マラビロク", "レナカパビル"});
// Products of those ingredients licensed for hepatitis B only (ゼフィックス
// lamivudine, テノゼット and ベムリディ tenofovir): not 抗HIV薬.
constexpr auto kHepatitisBOnly = std::to_array<std::string_view>({"6250020", "6250024F1030", "6250045"});
// Under 2190 only: calcium carbonate elsewhere (antacids, 2344) is not a binder.
constexpr auto kPhosphateBinders = std::to_array<std::string_view>(
    {"セベラマー", "炭酸ランタン", "クエン酸第二鉄", "スクロオキシ水酸化鉄", "沈降炭酸カルシウム", "ビキサロマー"});

// Digits 5-7 of a YJ code name the ingredient within its class, and their
// range the route: 001-399 internal, 400-699 injection, 700-999 external.
bool IsExternal(std::string_view yj_code) {
  if (yj_code.size() < 7) return false;
  const char c = yj_code[4];
  return c >= '7' && c <= '9';
}

// Classes whose external forms are not the interruption risk the flag is
// for: heparinoid creams (ヒルドイド, 3339), tacrolimus ointment.
bool SystemicOnly(RiskClass c) {
  return c == RiskClass::kAnticoagulant || c == RiskClass::kAntiplatelet || c == RiskClass::kImmunosuppressant;
}

bool ContainsAny(std::string_view text, std::span<const std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

}  // namespace

std::string_view RiskClassName(RiskClass c) {
  switch (c) {
    case RiskClass::kInsulin:
      return "insulin";
    case RiskClass::kAntidiabetic:
      return "antidiabetic";
    case RiskClass::kAnticoagulant:
      return "anticoagulant";
    case RiskClass::kAntiplatelet:
      return "antiplatelet";
    case RiskClass::kAntiepileptic:
      return "antiepileptic";
    case RiskClass::kSteroid:
      return "steroid";
    case RiskClass::kPsychotropic:
      return "psychotropic";
    case RiskClass::kAntiparkinson:
      return "antiparkinson";
    case RiskClass::kThyroid:
      return "thyroid";
    case RiskClass::kImmunosuppressant:
      return "immunosuppressant";
    case RiskClass::kAntiretroviral:
      return "antiretroviral";
    case RiskClass::kDialysis:
      return "dialysis";
  }
  return "unknown";
}

std::string_view RiskClassLabelJa(RiskClass c) {
  switch (c) {
    case RiskClass::kInsulin:
      return "インスリン";
    case RiskClass::kAntidiabetic:
      return "血糖降下薬";
    case RiskClass::kAnticoagulant:
      return "抗凝固薬";
    case RiskClass::kAntiplatelet:
      return "抗血小板薬";
    case RiskClass::kAntiepileptic:
      return "抗てんかん薬";
    case RiskClass::kSteroid:
      return "ステロイド";
    case RiskClass::kPsychotropic:
      return "向精神薬";
    case RiskClass::kAntiparkinson:
      return "抗パーキンソン薬";
    case RiskClass::kThyroid:
      return "甲状腺ホルモン薬";
    case RiskClass::kImmunosuppressant:
      return "免疫抑制薬";
    case RiskClass::kAntiretroviral:
      return "抗HIV薬";
    case RiskClass::kDialysis:
      return "透析";
  }
  return "";
}

std::vector<RiskClass> ClassifyMedicine(std::string_view yj_code, std::string_view ingredient) {
  std::vector<RiskClass> out;
  for (const PrefixRule& rule : kPrefixRules) {
    if (yj_code.starts_with(rule.yj_prefix)) {
      if (rule.risk == RiskClass::kDialysis && !ContainsAny(ingredient, kPhosphateBinders)) continue;
      out.push_back(rule.risk);
    }
  }
  if (yj_code.starts_with("2499") && ContainsAny(ingredient, kGlp1Agonists)) out.push_back(RiskClass::kAntidiabetic);
  if (ContainsAny(ingredient, kImmunosuppressants)) out.push_back(RiskClass::kImmunosuppressant);
  if (IsExternal(yj_code)) std::erase_if(out, SystemicOnly);
  const bool hepatitis_b_only = std::any_of(kHepatitisBOnly.begin(), kHepatitisBOnly.end(),
                                            [&](std::string_view p) { return yj_code.starts_with(p); });
  if (yj_code.starts_with("625") && ContainsAny(ingredient, kAntiretrovirals) && !hepatitis_b_only) {
    out.push_back(RiskClass::kAntiretroviral);
  }
  return out;
}

std::vector<RiskClass> ActiveRiskClasses(const PersonRecord& record, Date as_of, int lookback_days) {
  std::vector<RiskClass> out;
  const std::int64_t today = DaysSinceEpoch(as_of);
  for (const Dispensing& d : record.dispensings) {
    if (!IsValidDate(d.date)) continue;
    const int supplied = d.route == Route::kOral ? std::max(d.days_or_times, 1) : 30;
    if (DaysSinceEpoch(d.date) + supplied < today - lookback_days) continue;
    for (RiskClass c : ClassifyMedicine(d.yj_code, d.ingredient)) out.push_back(c);
  }
  for (const SpecificDiseaseCertificate& c : record.specific_diseases) {
    if (c.disease == SpecificDisease::kDialysis && c.valid_from <= as_of && (c.valid_to == 0 || as_of < c.valid_to)) {
      out.push_back(RiskClass::kDialysis);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace akari::sync
