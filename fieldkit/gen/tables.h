// Curated reference tables the generator draws from: each prefecture's
// municipalities and insurers, Japanese names and a table of real
// medicines. Everything here is data, typed in from public sources named in
// each .cc file.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sync/record.h"

namespace akari::fieldkit::gen {

// One 市町村 of a prefecture.
struct Municipality {
  std::string_view name;                              // 金沢市
  std::string_view code;                              // 5-digit 地方公共団体コード without check digit, 17201
  std::string_view short_name;                        // 金沢 (used as the 国保 記号)
  int population;                                     // approximate residents, for weighting
  std::span<const std::string_view> postal_prefixes;  // "920-0", "921-8" …
  std::span<const std::string_view> towns;            // 町名 used in addresses
};
std::span<const Municipality> IshikawaMunicipalities();
std::span<const Municipality> ToyamaMunicipalities();

// An insurer of a prefecture's tables: 保険者番号 without its check digit.
struct InsurerEntry {
  std::string_view body;  // 0617001
  std::string_view name;
  std::string_view symbol_prefix;  // 共済: the 記号's prefix (石職); empty for 健保組合
};

// Everything the generator draws from that depends on the prefecture
// (geography.cc, geography_toyama.cc, prefectures.cc). One entry per
// available --region; the generator's code reads only this table.
struct Prefecture {
  std::string_view code;          // 都道府県コード, "17"
  std::string_view name;          // 石川県
  std::string_view english_name;  // Ishikawa
  std::span<const Municipality> municipalities;
  std::string_view kyokai_body;  // 協会けんぽ 支部 (法別 01) without check digit
  std::string_view kyokai_name;
  std::span<const InsurerEntry> kenpo_kumiai;  // 健康保険組合 (法別 06)
  std::span<const InsurerEntry> kyosai;        // 共済組合 (法別 31–34)
  std::span<const std::string_view> kokuho_kumiai_names;
  std::span<const std::string_view> kokuho_kumiai_bodies;  // 5 digits, 都道府県 + 3xx
  std::string_view kokuho_kumiai_symbol;                   // 記号 prefix, 石
  std::string_view koki_name;                              // 後期高齢者医療広域連合
  std::string_view checkup_facility;
  std::span<const std::string_view> pharmacy_chains;
  // First byte of every card certificate serial of the region, so regions
  // sharing the national test CA never share a serial.
  std::uint8_t serial_prefix;
  // "" = the region's persons derive from the seed's material itself (the
  // first region, Ishikawa); otherwise from DeriveSeed(material, label), so
  // the same seed gives other people in another prefecture.
  std::string_view seed_label;
};
std::span<const Prefecture> Prefectures();
// The entry for `code`, or nullptr.
const Prefecture* FindPrefecture(std::string_view code);
// "16 (富山県, Toyama), 17 (石川県, Ishikawa)": for help and error texts.
std::string AvailableRegions();
inline constexpr std::string_view kDefaultRegion = "17";

struct NameEntry {
  std::string_view kanji;
  std::string_view kana;  // full-width katakana
};
std::span<const NameEntry> Surnames();
// Given names common for someone of `sex` born in `birth_year`.
std::span<const NameEntry> GivenNames(sync::Sex sex, int birth_year);

// Dosage forms, for usage text and units.
enum class DrugForm : std::uint8_t {
  kTablet,
  kCapsule,
  kPowder,
  kGranule,
  kLiquid,
  kInjection,
  kOther,
  kInhaler,
  kEyeDrops,
  kNasalSpray,
  kPatch,
  kOintment,
};

struct Drug {
  std::string_view yj;          // 12-character YJ code (薬価基準収載医薬品コード)
  std::string_view name;        // product name as listed
  std::string_view ingredient;  // 一般名 (the list's 成分名)
  std::string_view strength;    // "5mg"
  DrugForm form;
  std::string_view unit;  // dispensing unit: 錠, カプセル, g, 包, mL, キット, 枚, 瓶 …
  // Usual daily amount (内服: in `unit`; 屯服: per dose). For products whose
  // dose is counted in something smaller than `unit` (insulin units in a pen,
  // inhalations in an inhaler) it is in that dose unit; see dose_per_unit.
  double usual_daily;
  // How many dose units one `unit` holds (300 単位 a pen, 60 吸入 an
  // inhaler); 0 = the dose is counted in `unit` itself.
  double dose_per_unit = 0;
  // Dispensed in whole containers of this many `unit`s (1 pen, a 2.5 mL
  // bottle, a 5 g tube); 0 = the exact amount.
  double pack = 0;
};

// A group of the table: products of related 薬効分類, each of whose YJ codes
// starts with one of `class_prefixes` (unused slots are empty).
struct DrugGroup {
  std::string_view title;
  std::array<std::string_view, 4> class_prefixes;
  std::span<const Drug> drugs;
};

// The curated table (see drug_table.cc for sources), group by group.
std::span<const DrugGroup> DrugGroups();
// All entries of all groups.
std::span<const Drug> DrugTable();
// The entry with YJ code `yj`; aborts the process when missing (a typo in a
// regimen table is a programming error caught by the tests).
const Drug& DrugByYj(std::string_view yj);

}  // namespace akari::fieldkit::gen
