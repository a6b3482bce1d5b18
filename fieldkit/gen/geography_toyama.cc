// Toyama's 15 市町村 (都道府県コード 16).
//
// 地方公共団体コード: 総務省 全国地方公共団体コード (16201 富山市 … 16343
// 朝日町; 16203 was 新湊市, merged into 射水市 16211 in 2005), checked
// against the code list in tKwbr999/propane-checker
// conf/area/city/prefectureCode16.go.
//
// Populations: 富山県人口移動調査, 平成18年10月1日 推計人口 (pref.toyama.jp
// 統計情報ライブラリー, report1-03 表3); 朝日町 is its 国勢調査 2005 figure
// 14,700 less the 1.06% decline the same table gives. Only used as weights.
// Recent figures for every municipality could not be verified here; the
// ones that could (富山県人口移動調査 2024-11-01: 県 995,338, 高岡市 159,994,
// 氷見市 40,191) show the prefecture ~10% smaller with 高岡 and 氷見 losing
// more than the rest, so the shares below are approximate.
//
// Postal-code prefixes and 町名: 日本郵便 郵便番号データ (KEN_ALL), as
// packaged in najeira/go-jpostcode internal/data/a930–a939.go; every 町名
// below is listed there under its municipality and each prefix is one that
// municipality's codes use (e.g. 930-0289 舟橋村竹内, 939-1363 砺波市太郎丸).
#include <array>

#include "fieldkit/gen/tables.h"

namespace akari::fieldkit::gen {
namespace {

using SV = std::string_view;

constexpr std::array<SV, 3> kToyamaPostal = {"930-0", "939-8", "939-2"};
constexpr std::array<SV, 16> kToyamaTowns = {"桜町",   "泉町",     "牛島町",     "奥田町",    "五福",   "西長江",
                                             "荒川",   "上飯野",   "藤見町",     "駒見",      "高屋敷", "東中野町",
                                             "高原町", "上野寿町", "婦中町島田", "八尾町今町"};
constexpr std::array<SV, 2> kTakaokaPostal = {"933-0", "939-1"};
constexpr std::array<SV, 12> kTakaokaTowns = {"定塚町", "京町",   "南幸町", "金屋本町", "宮脇町", "二番町",
                                              "片原町", "昭和町", "永楽町", "中川本町", "美幸町", "伏木古府元町"};
constexpr std::array<SV, 1> kUozuPostal = {"937-0"};
constexpr std::array<SV, 8> kUozuTowns = {"本町", "港町", "双葉町", "末広町", "諏訪町", "釈迦堂", "北鬼江", "住吉"};
constexpr std::array<SV, 1> kHimiPostal = {"935-0"};
constexpr std::array<SV, 8> kHimiTowns = {"幸町", "比美町", "朝日本町", "鞍川", "阿尾", "柳田", "十二町", "加納"};
constexpr std::array<SV, 1> kNamerikawaPostal = {"936-0"};
constexpr std::array<SV, 8> kNamerikawaTowns = {"寺家町", "常盤町",   "清水町", "新富町",
                                                "上小泉", "田中新町", "中町",   "吾妻町"};
constexpr std::array<SV, 1> kKurobePostal = {"938-0"};
constexpr std::array<SV, 8> kKurobeTowns = {"三日市", "吉田", "生地", "荒町", "堀切", "若栗", "宇奈月町浦山", "前沢"};
constexpr std::array<SV, 2> kTonamiPostal = {"939-1", "932-0"};
constexpr std::array<SV, 6> kTonamiTowns = {"太郎丸", "栄町", "中野", "浅谷", "庄川町庄", "庄川町青島"};
constexpr std::array<SV, 1> kOyabePostal = {"932-0"};
constexpr std::array<SV, 6> kOyabeTowns = {"桜町", "中央町", "城山町", "矢水町", "鷲島", "西中野"};
constexpr std::array<SV, 2> kNantoPostal = {"939-1", "932-0"};
constexpr std::array<SV, 6> kNantoTowns = {"福野", "福光", "城端", "井波", "二日町", "高屋"};
constexpr std::array<SV, 2> kImizuPostal = {"934-0", "939-0"};
constexpr std::array<SV, 8> kImizuTowns = {"本町", "中新湊", "八幡町", "立町", "港町", "作道", "下条", "手崎"};
constexpr std::array<SV, 1> kFunahashiPostal = {"930-0"};
constexpr std::array<SV, 2> kFunahashiTowns = {"竹内", "仏生寺"};
constexpr std::array<SV, 1> kKamiichiPostal = {"930-0"};
constexpr std::array<SV, 4> kKamiichiTowns = {"三日市", "西中町", "中小泉", "和合"};
constexpr std::array<SV, 2> kTateyamaPostal = {"930-0", "930-1"};
constexpr std::array<SV, 4> kTateyamaTowns = {"寺田", "大窪", "大島", "東大森"};
constexpr std::array<SV, 2> kNyuzenPostal = {"939-0", "938-0"};
constexpr std::array<SV, 5> kNyuzenTowns = {"一宿", "横山", "田の又", "西中", "中沢"};
constexpr std::array<SV, 2> kAsahiPostal = {"939-0", "938-0"};
constexpr std::array<SV, 6> kAsahiTowns = {"舟川新", "笹川", "月山", "南保町", "山崎", "藤塚"};

constexpr std::array<Municipality, 15> kToyamaMunicipalities = {{
    {"富山市", "16201", "富山", 421389, kToyamaPostal, kToyamaTowns},
    {"高岡市", "16202", "高岡", 180046, kTakaokaPostal, kTakaokaTowns},
    {"魚津市", "16204", "魚津", 46288, kUozuPostal, kUozuTowns},
    {"氷見市", "16205", "氷見", 53961, kHimiPostal, kHimiTowns},
    {"滑川市", "16206", "滑川", 34033, kNamerikawaPostal, kNamerikawaTowns},
    {"黒部市", "16207", "黒部", 42659, kKurobePostal, kKurobeTowns},
    {"砺波市", "16208", "砺波", 49486, kTonamiPostal, kTonamiTowns},
    {"小矢部市", "16209", "小矢部", 33205, kOyabePostal, kOyabeTowns},
    {"南砺市", "16210", "南砺", 57683, kNantoPostal, kNantoTowns},
    {"射水市", "16211", "射水", 94460, kImizuPostal, kImizuTowns},
    {"舟橋村", "16321", "舟橋", 2815, kFunahashiPostal, kFunahashiTowns},
    {"上市町", "16322", "上市", 22862, kKamiichiPostal, kKamiichiTowns},
    {"立山町", "16323", "立山", 27917, kTateyamaPostal, kTateyamaTowns},
    {"入善町", "16342", "入善", 27857, kNyuzenPostal, kNyuzenTowns},
    {"朝日町", "16343", "朝日", 14544, kAsahiPostal, kAsahiTowns},
}};

}  // namespace

std::span<const Municipality> ToyamaMunicipalities() {
  return kToyamaMunicipalities;
}

}  // namespace akari::fieldkit::gen
