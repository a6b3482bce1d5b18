// The domain record model (ARCHITECTURE.md section 3): a person with their
// coverage history, dispensings (薬剤情報) and checkups (特定健診). The hub
// imports these, the publication carries them, the node stores one encoded
// document per person (see person_document.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace akari::sync {

// A calendar date as the integer YYYYMMDD (e.g. 19580312); 0 means "none"
// (an open end of a validity range). Valid dates satisfy IsValidDate().
using Date = std::int32_t;

bool IsValidDate(Date d);
// Days since 1970-01-01 of a valid date.
std::int64_t DaysSinceEpoch(Date d);
// The date `days` after 1970-01-01.
Date DateFromDays(std::int64_t days);
// "YYYY-MM-DD"; "" for 0.
std::string FormatDate(Date d);
// Parses "YYYY-MM-DD" or "YYYYMMDD"; 0 if invalid.
Date ParseDate(std::string_view text);
// The calendar date in Japan (UTC+9, no daylight saving) at `t`.
Date DateInJapan(std::chrono::system_clock::time_point t);
// Whole years of age on `on` for someone born on `birth`.
int AgeOn(Date birth, Date on);

// OQS Sex1 codes: 1 男, 2 女, 3 未設定.
enum class Sex : std::uint8_t { kMale = 1, kFemale = 2, kUnset = 3 };

struct Address {
  std::string postal_code;   // "920-8580"
  std::string prefecture;    // "石川県"
  std::string municipality;  // "金沢市"
  std::string rest;          // "鞍月1丁目1番地"
  friend bool operator==(const Address&, const Address&) = default;
};

struct Person {
  std::int64_t id = 0;    // stable upstream id (hub-assigned, > 0)
  std::string name;       // kanji, family and given name separated by a full-width space
  std::string name_kana;  // full-width katakana, same separation
  Date birth_date = 0;
  Sex sex = Sex::kUnset;
  Address address;
  friend bool operator==(const Person&, const Person&) = default;
};

// The insurance scheme (制度) behind an insurer number.
enum class Scheme : std::uint8_t {
  kKyokaiKenpo = 1,   // 協会けんぽ (法別 01)
  kKenpoKumiai = 2,   // 健康保険組合 (法別 06)
  kKyosai = 3,        // 共済組合 (法別 31–34)
  kKokuho = 4,        // 市町村国保 (6-digit insurer number)
  kKokuhoKumiai = 5,  // 国保組合 (6-digit, 都道府県 + 3xx)
  kKoki = 6,          // 後期高齢者医療 (法別 39)
  kOther = 9,
};

enum class Relationship : std::uint8_t { kInsured = 1, kDependent = 2 };  // 本人 / 家族

// OQS ReasonOfLoss: why a coverage ended.
enum class LossReason : std::uint8_t {
  kNone = 0,
  kDeath = 1,           // 01 死亡
  kWelfare = 2,         // 02 生保開始
  kOtherInsurance = 3,  // 03 他保険取得 (job change, retirement, turning 75)
  kOther = 99,          // 99 その他
};

// One period of insurance (a coverage history has several).
struct Coverage {
  std::string insurer_number;  // 保険者番号: 8 digits, or 6 for 国保
  std::string insurer_name;
  Scheme scheme = Scheme::kOther;
  std::string symbol;  // 記号 (may contain kanji, kana or be empty)
  std::string number;  // 番号
  std::string branch;  // 枝番, 2 digits ("" on cards issued before 2021)
  Relationship relationship = Relationship::kInsured;
  Date valid_from = 0;  // 資格取得日
  Date valid_to = 0;    // 資格喪失日 (the first day not covered); 0 = current
  LossReason loss_reason = LossReason::kNone;
  int copay_percent = 30;          // 一部負担金割合: 10, 20 or 30
  std::string high_cost_category;  // 限度額適用区分, e.g. "ウ", "一般Ⅱ"; "" if unknown
  friend bool operator==(const Coverage&, const Coverage&) = default;
};

// 特定疾病療養受療証 categories (高額長期疾病).
enum class SpecificDisease : std::uint8_t { kDialysis = 1, kHemophilia = 2, kHiv = 3 };

struct SpecificDiseaseCertificate {
  SpecificDisease disease = SpecificDisease::kDialysis;
  Date valid_from = 0;
  Date valid_to = 0;
  friend bool operator==(const SpecificDiseaseCertificate&, const SpecificDiseaseCertificate&) = default;
};

// A JPKI user-authentication certificate linked to this person
// (初回登録). Only its hash reaches a node (see index_keys.h).
struct CardLink {
  std::string issuer_der_hex;  // DER of the certificate's issuer Name
  std::string serial_hex;      // certificate serial, big-endian, no leading zeros
  friend bool operator==(const CardLink&, const CardLink&) = default;
};

enum class DispensingSource : std::uint8_t { kClaims = 1, kEPrescription = 2, kLocal = 3 };

// MeTrIdCl-like route: 21 内服, 22 屯服, 23 外用, 24 注射 (自己注射).
enum class Route : std::uint8_t { kOral = 21, kAsNeeded = 22, kExternal = 23, kInjection = 24 };

// One drug line of one dispensing (薬剤情報).
struct Dispensing {
  Date date = 0;              // 調剤日
  Date prescribed_date = 0;   // 処方日
  std::string pharmacy_code;  // 10-digit 医療機関等コード
  std::string pharmacy_name;
  std::string prescriber_code;
  std::string prescriber_name;
  std::string yj_code;     // 12-character YJ code
  std::string drug_name;   // brand or generic product name
  std::string ingredient;  // 一般名 (ingredient)
  std::string strength;    // "5mg", "100単位/mL"
  double quantity = 0;     // 内服: daily amount; 屯服: per dose; 外用/注射: total
  std::string unit;        // "錠", "mL", "単位", "本"
  int days_or_times = 0;   // 内服: days; 屯服: times; others: 1
  Route route = Route::kOral;
  std::string usage;  // 用法 text, e.g. "1日1回朝食後"
  DispensingSource source = DispensingSource::kClaims;
  friend bool operator==(const Dispensing&, const Dispensing&) = default;
};

struct CheckupItem {
  std::string code;       // 17-character MHLW 健診 code (JLAC10 based)
  std::string name;       // "収縮期血圧"
  std::string value;      // "142" or a qualitative value "(+)"
  std::string unit;       // "mmHg"
  std::string reference;  // "<130" or "3.0-5.0" ("" if none)
  bool abnormal = false;
  friend bool operator==(const CheckupItem&, const CheckupItem&) = default;
};

struct Checkup {
  Date date = 0;
  std::string facility_name;
  std::vector<CheckupItem> items;
  std::string judgement;  // overall judgement (判定)
  friend bool operator==(const Checkup&, const Checkup&) = default;
};

// Everything the region knows about one person.
struct PersonRecord {
  Person person;
  std::vector<Coverage> coverages;  // oldest first
  std::vector<SpecificDiseaseCertificate> specific_diseases;
  std::vector<CardLink> card_links;
  std::vector<Dispensing> dispensings;  // oldest first
  std::vector<Checkup> checkups;        // oldest first
  friend bool operator==(const PersonRecord&, const PersonRecord&) = default;
};

// The coverage in force on `on`, or nullptr.
const Coverage* CoverageOn(const PersonRecord& record, Date on);

}  // namespace akari::sync
