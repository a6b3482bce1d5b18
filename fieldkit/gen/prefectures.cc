// The prefectures the generator can make a region of, and each one's
// insurers. Numbering schemes and check digits are real (保険者番号設定要領,
// sync/insurer_number.h); which entries are real organisations and which
// are synthetic is said next to each table. Municipal 国保 numbers are built
// in insurers.cc (都道府県 + a serial in 地方公共団体コード order, not the
// real register) and 後期高齢者 ones from the municipality's code.
#include <array>

#include "fieldkit/gen/tables.h"

namespace akari::fieldkit::gen {
namespace {

using SV = std::string_view;

// Unions with offices in Tokyo (13) that employees everywhere belong to:
// shared by every prefecture (synthetic names and numbers).
constexpr std::array<InsurerEntry, 5> kNationalKumiai = {{
    {"0613101", "全国情報サービス産業健康保険組合", ""},
    {"0613102", "全国流通業健康保険組合", ""},
    {"0613103", "全国建設機械健康保険組合", ""},
    {"0613104", "全国自動車部品健康保険組合", ""},
    {"0613105", "全国医薬品卸健康保険組合", ""},
}};

// A prefecture's own unions followed by the national ones.
template <std::size_t N>
constexpr std::array<InsurerEntry, N + kNationalKumiai.size()> WithNational(const std::array<InsurerEntry, N>& own) {
  std::array<InsurerEntry, N + kNationalKumiai.size()> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = own[i];
  for (std::size_t i = 0; i < kNationalKumiai.size(); ++i) out[N + i] = kNationalKumiai[i];
  return out;
}

// --- 石川県 (17) ---------------------------------------------------------
// 健康保険組合 (法別 06): unions with offices in Ishikawa (synthetic).
constexpr auto kIshikawaKumiai = WithNational(std::array<InsurerEntry, 5>{{
    {"0617001", "石川県機械工業健康保険組合", ""},
    {"0617002", "北陸電子部品健康保険組合", ""},
    {"0617003", "加賀繊維健康保険組合", ""},
    {"0617004", "能登食品健康保険組合", ""},
    {"0617005", "金沢地域銀行健康保険組合", ""},
}});
// 共済組合 (法別 31 国家公務員, 32 地方公務員, 33 警察, 34 公立学校): the
// organisations are real, the 3-digit serials synthetic.
constexpr InsurerEntry kKokkaKyosaiHokuriku = {"3117001", "国家公務員共済組合連合会（北陸）", "国"};
constexpr std::array<InsurerEntry, 5> kIshikawaKyosai = {{
    kKokkaKyosaiHokuriku,
    {"3217001", "地方職員共済組合石川県支部", "石職"},
    {"3217002", "石川県市町村職員共済組合", "石市"},
    {"3317001", "警察共済組合石川県支部", "石警"},
    {"3417001", "公立学校共済組合石川支部", "石教"},
}};
// 国保組合 (6 digits, 都道府県 + 3xx; serials synthetic).
constexpr std::array<SV, 3> kIshikawaKokuhoKumiai = {"石川県医師国民健康保険組合", "石川県歯科医師国民健康保険組合",
                                                     "石川県建設国民健康保険組合"};
constexpr std::array<SV, 3> kIshikawaKokuhoKumiaiBodies = {"17301", "17302", "17303"};
constexpr std::array<SV, 6> kIshikawaPharmacies = {"あおば薬局",   "ひまわり薬局", "つばき調剤薬局",
                                                   "はくさん薬局", "みなと薬局",   "かがやき薬局"};

// --- 富山県 (16) ---------------------------------------------------------
// 協会けんぽ 富山支部: 01160019 (the check digit of 0116001 is 9 by the
// MHLW rule, as 01170018 is Ishikawa's; the same number is listed for
// 富山県支部 beside 01170018 石川県支部 in the 支部 table of
// master-csv-import.component.ts found through the code search).
// 健康保険組合 with offices in Toyama: synthetic names and numbers (no
// real union's number was verified, so none is used).
constexpr auto kToyamaKumiai = WithNational(std::array<InsurerEntry, 5>{{
    {"0616001", "富山県金属加工健康保険組合", ""},
    {"0616002", "越中医薬品製造健康保険組合", ""},
    {"0616003", "立山化学工業健康保険組合", ""},
    {"0616004", "呉西精密機器健康保険組合", ""},
    {"0616005", "とやま地域銀行健康保険組合", ""},
}});
// 国家公務員共済 (北陸) serves both prefectures; the others are Toyama's
// branches (real organisations, synthetic serials as for Ishikawa).
constexpr std::array<InsurerEntry, 5> kToyamaKyosai = {{
    kKokkaKyosaiHokuriku,
    {"3216001", "地方職員共済組合富山県支部", "富職"},
    {"3216002", "富山県市町村職員共済組合", "富市"},
    {"3316001", "警察共済組合富山県支部", "富警"},
    {"3416001", "公立学校共済組合富山支部", "富教"},
}};
// Toyama has two 国保組合 (富山県 厚生部: 市町村 15, 国保組合 2 — 富山県医師
// 国保組合, 富山県建設国保組合); serials synthetic.
constexpr std::array<SV, 2> kToyamaKokuhoKumiai = {"富山県医師国民健康保険組合", "富山県建設国民健康保険組合"};
constexpr std::array<SV, 2> kToyamaKokuhoKumiaiBodies = {"16301", "16302"};
constexpr std::array<SV, 6> kToyamaPharmacies = {"あおば薬局",   "ひまわり薬局", "つばき調剤薬局",
                                                 "たてやま薬局", "みなと薬局",   "ほたるいか薬局"};

std::array<Prefecture, 2> MakeTable() {
  return {{
      {
          .code = "16",
          .name = "富山県",
          .english_name = "Toyama",
          .municipalities = ToyamaMunicipalities(),
          .kyokai_body = "0116001",
          .kyokai_name = "全国健康保険協会富山支部",
          .kenpo_kumiai = kToyamaKumiai,
          .kyosai = kToyamaKyosai,
          .kokuho_kumiai_names = kToyamaKokuhoKumiai,
          .kokuho_kumiai_bodies = kToyamaKokuhoKumiaiBodies,
          .kokuho_kumiai_symbol = "富",
          .koki_name = "富山県後期高齢者医療広域連合",
          // Synthetic: no Toyama 健診機関's name was verified.
          .checkup_facility = "とやま健診センター",
          .pharmacy_chains = kToyamaPharmacies,
          .serial_prefix = 0x16,
          .seed_label = "region/16",
      },
      {
          .code = "17",
          .name = "石川県",
          .english_name = "Ishikawa",
          .municipalities = IshikawaMunicipalities(),
          .kyokai_body = "0117001",
          .kyokai_name = "全国健康保険協会石川支部",
          .kenpo_kumiai = kIshikawaKumiai,
          .kyosai = kIshikawaKyosai,
          .kokuho_kumiai_names = kIshikawaKokuhoKumiai,
          .kokuho_kumiai_bodies = kIshikawaKokuhoKumiaiBodies,
          .kokuho_kumiai_symbol = "石",
          .koki_name = "石川県後期高齢者医療広域連合",
          .checkup_facility = "石川県成人病予防センター",
          .pharmacy_chains = kIshikawaPharmacies,
          .serial_prefix = 0x01,
          .seed_label = "",
      },
  }};
}

}  // namespace

std::span<const Prefecture> Prefectures() {
  static const std::array<Prefecture, 2> kTable = MakeTable();
  return kTable;
}

const Prefecture* FindPrefecture(std::string_view code) {
  for (const Prefecture& p : Prefectures()) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

std::string AvailableRegions() {
  std::string out;
  for (const Prefecture& p : Prefectures()) {
    if (!out.empty()) out += ", ";
    out += std::string(p.code) + " (" + std::string(p.name) + ", " + std::string(p.english_name) + ")";
  }
  return out;
}

}  // namespace akari::fieldkit::gen
