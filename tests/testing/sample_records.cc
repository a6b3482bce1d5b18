#include "tests/testing/sample_records.h"

#include <cstdio>

#include "sync/insurer_number.h"

namespace akari::testing {

std::string MakeInsurerNumber(int law, int pref, int serial) {
  char body[16];
  std::snprintf(body, sizeof body, "%02d%02d%03d", law, pref, serial);
  return std::string(body) + std::to_string(sync::InsurerCheckDigit(body));
}

sync::PersonRecord SamplePerson(std::int64_t id) {
  static const char* kFamily[] = {"山田", "佐藤", "鈴木", "高橋", "田中"};
  static const char* kFamilyKana[] = {"ヤマダ", "サトウ", "スズキ", "タカハシ", "タナカ"};
  static const char* kGiven[] = {"太郎", "花子", "一郎", "美咲", "健"};
  static const char* kGivenKana[] = {"タロウ", "ハナコ", "イチロウ", "ミサキ", "ケン"};
  const auto i = static_cast<std::size_t>(id % 5);
  sync::PersonRecord r;
  r.person.id = id;
  r.person.name = std::string(kFamily[i]) + "\u3000" + kGiven[(i + static_cast<std::size_t>(id / 5)) % 5];
  r.person.name_kana = std::string(kFamilyKana[i]) + "\u3000" + kGivenKana[(i + static_cast<std::size_t>(id / 5)) % 5];
  r.person.birth_date = static_cast<sync::Date>(19400101 + (id % 50) * 10000 + (id % 12) * 100 + (id % 28));
  r.person.sex = id % 2 == 0 ? sync::Sex::kFemale : sync::Sex::kMale;
  r.person.address = {"920-0000", "石川県", "輪島市", "河井町" + std::to_string(id % 30 + 1) + "部"};

  sync::Coverage past;
  past.insurer_number = MakeInsurerNumber(1, 17, 1);
  past.insurer_name = "全国健康保険協会 石川支部";
  past.scheme = sync::Scheme::kKyokaiKenpo;
  past.symbol = "1234567";
  past.number = std::to_string(4100000 + id);
  past.branch = "00";
  past.valid_from = 20150401;
  past.valid_to = 20230401;
  past.loss_reason = sync::LossReason::kOtherInsurance;
  past.copay_percent = 30;
  r.coverages.push_back(past);

  sync::Coverage current;
  current.insurer_number = "17201";
  current.insurer_number += std::to_string(sync::InsurerCheckDigit(current.insurer_number));
  current.insurer_name = "輪島市";
  current.scheme = sync::Scheme::kKokuho;
  current.symbol = "輪島";
  current.number = std::to_string(7300000 + id);
  current.branch = "01";
  current.valid_from = 20230401;
  current.copay_percent = 30;
  r.coverages.push_back(current);

  char serial[24];
  std::snprintf(serial, sizeof serial, "%08llx", 0x0705d900ULL + static_cast<unsigned long long>(id));
  r.card_links.push_back({"3031310b3009060355040613024a50", serial});

  sync::Dispensing insulin;
  insulin.date = 20261020;
  insulin.prescribed_date = 20261020;
  insulin.pharmacy_code = "1740112345";
  insulin.pharmacy_name = "のと調剤薬局";
  insulin.yj_code = "2492416G2024";
  insulin.drug_name = "ランタス注ソロスター";
  insulin.ingredient = "インスリン グラルギン（遺伝子組換え）";
  insulin.strength = "300単位3mL";
  insulin.quantity = 2;
  insulin.unit = "キット";
  insulin.days_or_times = 1;
  insulin.route = sync::Route::kInjection;
  insulin.usage = "1日1回就寝前 12単位";
  r.dispensings.push_back(insulin);

  sync::Dispensing amlodipine = insulin;
  amlodipine.yj_code = "2171022F1020";
  amlodipine.drug_name = "アムロジピン錠5mg「サワイ」";
  amlodipine.ingredient = "アムロジピンベシル酸塩";
  amlodipine.strength = "5mg";
  amlodipine.quantity = 1;
  amlodipine.unit = "錠";
  amlodipine.days_or_times = 28;
  amlodipine.route = sync::Route::kOral;
  amlodipine.usage = "1日1回朝食後";
  r.dispensings.push_back(amlodipine);

  sync::Checkup checkup;
  checkup.date = 20250612;
  checkup.facility_name = "輪島市保健センター";
  checkup.items.push_back({"9A751000000000001", "収縮期血圧", "148", "mmHg", "<130", true});
  checkup.items.push_back({"3D046000001920402", "HbA1c(NGSP)", "7.9", "%", "<5.6", true});
  checkup.judgement = "要医療";
  r.checkups.push_back(checkup);
  return r;
}

}  // namespace akari::testing
