// Ishikawa's 19 市町: 地方公共団体コード (総務省 全国地方公共団体コード),
// approximate populations (石川県の人口と世帯, 2024), postal-code prefixes
// (日本郵便 郵便番号) and a few real 町名 per municipality for addresses.
#include <array>

#include "fieldkit/gen/tables.h"

namespace akari::fieldkit::gen {
namespace {

using SV = std::string_view;

constexpr std::array<SV, 4> kKanazawaPostal = {"920-0", "920-8", "921-8", "920-3"};
constexpr std::array<SV, 16> kKanazawaTowns = {"広坂", "香林坊", "片町", "本町",   "此花町", "鞍月", "西念", "駅西本町",
                                               "有松", "泉が丘", "寺町", "小立野", "東山",   "森本", "長坂", "元町"};
constexpr std::array<SV, 1> kNanaoPostal = {"926-0"};
constexpr std::array<SV, 6> kNanaoTowns = {"府中町", "御祓町", "和倉町", "松本町", "小島町", "石崎町"};
constexpr std::array<SV, 2> kKomatsuPostal = {"923-0", "923-8"};
constexpr std::array<SV, 6> kKomatsuTowns = {"園町", "土居原町", "符津町", "本折町", "日の出町", "大川町"};
constexpr std::array<SV, 1> kWajimaPostal = {"928-0"};
constexpr std::array<SV, 4> kWajimaTowns = {"河井町", "鳳至町", "門前町道下", "宅田町"};
constexpr std::array<SV, 1> kSuzuPostal = {"927-1"};
constexpr std::array<SV, 4> kSuzuTowns = {"飯田町", "上戸町", "宝立町", "正院町"};
constexpr std::array<SV, 1> kKagaPostal = {"922-0"};
constexpr std::array<SV, 5> kKagaTowns = {"大聖寺南町", "山代温泉", "片山津温泉", "作見町", "動橋町"};
constexpr std::array<SV, 1> kHakuiPostal = {"925-0"};
constexpr std::array<SV, 4> kHakuiTowns = {"旭町", "川原町", "中央町", "柳田町"};
constexpr std::array<SV, 1> kKahokuPostal = {"929-1"};
constexpr std::array<SV, 4> kKahokuTowns = {"宇野気", "高松", "七塚町", "内日角"};
constexpr std::array<SV, 2> kHakusanPostal = {"924-0", "920-2"};
constexpr std::array<SV, 5> kHakusanTowns = {"倉光", "鶴来本町", "美川南町", "松任", "相木"};
constexpr std::array<SV, 2> kNomiPostal = {"923-1", "929-0"};
constexpr std::array<SV, 4> kNomiTowns = {"寺井町", "粟生町", "辰口町", "大成町"};
constexpr std::array<SV, 1> kNonoichiPostal = {"921-8"};
constexpr std::array<SV, 4> kNonoichiTowns = {"三納", "本町", "御経塚", "押野"};
constexpr std::array<SV, 1> kKawakitaPostal = {"923-1"};
constexpr std::array<SV, 2> kKawakitaTowns = {"壱ツ屋", "橘"};
constexpr std::array<SV, 1> kTsubataPostal = {"929-0"};
constexpr std::array<SV, 3> kTsubataTowns = {"加賀爪", "清水", "庄"};
constexpr std::array<SV, 1> kUchinadaPostal = {"920-0"};
constexpr std::array<SV, 3> kUchinadaTowns = {"大学", "鶴ケ丘", "向粟崎"};
constexpr std::array<SV, 1> kShikaPostal = {"925-0"};
constexpr std::array<SV, 3> kShikaTowns = {"末吉", "高浜町", "富来領家町"};
constexpr std::array<SV, 1> kHodatsuPostal = {"929-1"};
constexpr std::array<SV, 2> kHodatsuTowns = {"子浦", "今浜"};
constexpr std::array<SV, 1> kNakanotoPostal = {"929-1"};
constexpr std::array<SV, 3> kNakanotoTowns = {"能登部下", "井田", "末坂"};
constexpr std::array<SV, 1> kAnamizuPostal = {"927-0"};
constexpr std::array<SV, 2> kAnamizuTowns = {"大町", "川島"};
constexpr std::array<SV, 1> kNotoPostal = {"927-0"};
constexpr std::array<SV, 3> kNotoTowns = {"宇出津", "松波", "柳田"};

constexpr std::array<Municipality, 19> kIshikawaMunicipalities = {{
    {"金沢市", "17201", "金沢", 443000, kKanazawaPostal, kKanazawaTowns},
    {"七尾市", "17202", "七尾", 47000, kNanaoPostal, kNanaoTowns},
    {"小松市", "17203", "小松", 105000, kKomatsuPostal, kKomatsuTowns},
    {"輪島市", "17204", "輪島", 22000, kWajimaPostal, kWajimaTowns},
    {"珠洲市", "17205", "珠洲", 11500, kSuzuPostal, kSuzuTowns},
    {"加賀市", "17206", "加賀", 62000, kKagaPostal, kKagaTowns},
    {"羽咋市", "17207", "羽咋", 19500, kHakuiPostal, kHakuiTowns},
    {"かほく市", "17209", "かほく", 35000, kKahokuPostal, kKahokuTowns},
    {"白山市", "17210", "白山", 112000, kHakusanPostal, kHakusanTowns},
    {"能美市", "17211", "能美", 49000, kNomiPostal, kNomiTowns},
    {"野々市市", "17212", "野々市", 53000, kNonoichiPostal, kNonoichiTowns},
    {"川北町", "17324", "川北", 6200, kKawakitaPostal, kKawakitaTowns},
    {"津幡町", "17361", "津幡", 36000, kTsubataPostal, kTsubataTowns},
    {"内灘町", "17365", "内灘", 26000, kUchinadaPostal, kUchinadaTowns},
    {"志賀町", "17384", "志賀", 18000, kShikaPostal, kShikaTowns},
    {"宝達志水町", "17386", "宝達志水", 12000, kHodatsuPostal, kHodatsuTowns},
    {"中能登町", "17407", "中能登", 16000, kNakanotoPostal, kNakanotoTowns},
    {"穴水町", "17461", "穴水", 7300, kAnamizuPostal, kAnamizuTowns},
    {"能登町", "17463", "能登", 15000, kNotoPostal, kNotoTowns},
}};

}  // namespace

std::span<const Municipality> IshikawaMunicipalities() {
  return kIshikawaMunicipalities;
}

}  // namespace akari::fieldkit::gen
