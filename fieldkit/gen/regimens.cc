// Chronic regimens, prevalences and acute episodes of the synthetic region.
// Prevalences roughly follow Japan's (国民健康・栄養調査, 患者調査, NDB
// open data); regimens are common real combinations at the products' usual
// doses. Every YJ code must be in drug_table.cc (DrugByYj aborts otherwise,
// which the tests catch).
#include "fieldkit/gen/regimens.h"

#include "fieldkit/gen/tables.h"

namespace akari::fieldkit::gen::internal {
namespace {

constexpr std::string_view kMorning = "1日1回朝食後";
constexpr std::string_view kEvening = "1日1回夕食後";
constexpr std::string_view kTwice = "1日2回朝夕食後";
constexpr std::string_view kThrice = "1日3回毎食後";
constexpr std::string_view kBedtime = "1日1回就寝前";
constexpr std::string_view kWeekly = "週1回起床時";
constexpr std::string_view kMtx = "週1回 朝・夕・翌朝（12時間毎）";
constexpr std::string_view kAttack = "発作時 1回2吸入";
constexpr std::string_view kBothEyes1 = "1日1回 両眼 1回1滴 点眼";
constexpr std::string_view kBothEyes2 = "1日2回 両眼 1回1滴 点眼";
constexpr std::string_view kBothEyes4 = "1日4回 両眼 1回1滴 点眼";
constexpr std::string_view kPatch = "1日1回 患部に貼付";
constexpr std::string_view kInhaleOnce = "1日1回 1回1吸入";
constexpr std::string_view kInhaleTwiceTwo = "1日2回 1回2吸入";

const std::array<Regimen, 13> kHypertensionRx = {{
    {Oral("2171022F2025", 1, kMorning)},
    {Oral("2171022F2041", 1, kMorning)},
    {Oral("2171014G4029", 1, kMorning)},
    {Oral("2149044F6026", 1, kMorning)},
    {Oral("2149042F2021", 1, kMorning)},
    {Oral("2149048F1022", 1, kMorning)},
    {Oral("2149040F3029", 1, kMorning)},
    {Oral("2171022F2025", 1, kMorning), Oral("2149044F6026", 1, kMorning)},
    {Oral("2149117F1025", 1, kMorning)},
    {Oral("2149121F1021", 1, kMorning)},
    {Oral("2171021F2020", 1, kMorning), Oral("2149039F2038", 1, kMorning)},
    {Oral("2149114F1021", 1, kMorning)},
    {Oral("2149032F1021", 1, kMorning), Oral("2171022F2041", 1, kMorning)},
}};
const std::array<Regimen, 7> kDyslipidemiaRx = {{
    {Oral("2189015F2020", 1, kMorning)},
    {Oral("2189016F2024", 1, kMorning)},
    {Oral("2189010F2027", 1, kEvening)},
    {Oral("2189011F1025", 1, kEvening)},
    {Oral("2183007F1025", 2, kTwice)},
    {Oral("2183006F4020", 1, kMorning)},
    {Oral("2189015F1023", 1, kMorning), Oral("3399004M2022", 3, kThrice)},
}};
// Oral agents, and weekly or daily GLP-1 receptor agonists with or without them.
const std::array<Regimen, 16> kDiabetesRx = {{
    {Oral("3962002F3023", 2, kTwice)},
    {Oral("3969010F2030", 1, kMorning)},
    {Oral("3969011F1020", 2, kTwice)},
    {Oral("3969014F1024", 1, kMorning)},
    {Oral("3969023F1023", 1, kMorning)},
    {Oral("3969019F1027", 1, kMorning)},
    {Oral("3961008F1020", 1, kMorning), Oral("3962002F2027", 3, kThrice)},
    {Oral("3969015F1029", 1, kMorning), Oral("3962002F3023", 2, kTwice)},
    {Oral("3969012F3028", 1, kMorning)},
    {Oral("3969018F2029", 1, kMorning)},
    {Oral("3969010F1026", 1, kMorning), Oral("3969004F2027", 3, "1日3回毎食直前")},
    {Oral("3969104F1029", 2, kTwice)},
    {Injection("2499416G1029", 0.75, "週1回 0.75mg 皮下注射"), Oral("3962002F3023", 2, kTwice)},
    {Injection("2499422G2020", 5, "週1回 5mg 皮下注射")},
    {Injection("2499418G4027", 0.5, "週1回 0.5mg 皮下注射"), Oral("3969019F1027", 1, kMorning)},
    {Injection("2499410G1021", 0.9, "1日1回朝 0.9mg 皮下注射"), Oral("3962002F3023", 2, kTwice)},
}};
// Insulin-treated diabetes: basal only (with oral agents: BOT), basal-bolus,
// premixed, and basal insulin with a GLP-1 receptor agonist.
const std::array<Regimen, 13> kInsulinRx = {{
    {Injection("2492416G2024", 12, "1日1回就寝前 12単位 皮下注射")},
    {Injection("2492416G2024", 16, "1日1回朝 16単位 皮下注射")},
    {Injection("2492419G1021", 14, "1日1回朝 14単位 皮下注射"), Oral("3962002F3023", 2, kTwice)},
    {Injection("2492420G1024", 10, "1日1回就寝前 10単位 皮下注射"), Oral("3969014F1024", 1, kMorning)},
    {Injection("2492416G2024", 14, "1日1回就寝前 14単位 皮下注射"),
     Injection("2492415G6025", 18, "1日3回毎食直前 各6単位 皮下注射")},
    {Injection("2492419G1021", 16, "1日1回朝 16単位 皮下注射"),
     Injection("2492414G5024", 24, "1日3回毎食直前 各8単位 皮下注射")},
    {Injection("2492416G3020", 18, "1日1回就寝前 18単位 皮下注射"),
     Injection("2492418G1027", 15, "1日3回毎食直前 各5単位 皮下注射")},
    {Injection("2492419G1021", 12, "1日1回就寝前 12単位 皮下注射"),
     Injection("2492415G7021", 18, "1日3回毎食直前 各6単位 皮下注射")},
    {Injection("2492417G1030", 10, "1日2回朝夕 各5単位 皮下注射"),
     Injection("2492414P1029", 18, "1日3回毎食直前 各6単位 皮下注射")},
    {Injection("2492415G2020", 24, "1日2回朝夕食直前 朝14単位 夕10単位 皮下注射")},
    {Injection("2492414G6020", 20, "1日2回朝夕食直前 各10単位 皮下注射"), Oral("3962002F3023", 2, kTwice)},
    {Injection("2492500G1025", 16, "1日1回朝食直前 16単位 皮下注射")},
    {Injection("2492419G1021", 12, "1日1回朝 12単位 皮下注射"), Injection("2499418G4027", 0.5, "週1回 0.5mg 皮下注射")},
}};
const std::array<Regimen, 7> kAnticoagulationRx = {{
    {Oral("3339004F2025", 2, kTwice)},
    {Oral("3339004F1029", 2, kTwice)},
    {Oral("3339002F3022", 1, kMorning)},
    {Oral("3339002F2026", 1, kMorning)},
    {Oral("3339003F2020", 1, kMorning)},
    {Oral("3339001M2020", 2, kTwice)},
    {Oral("3332001F1016", 3, kMorning)},
}};
const std::array<Regimen, 5> kAntiplateletRx = {{
    {Oral("3399007H1013", 1, kMorning), Oral("3399008F2021", 1, kMorning)},
    {Oral("3399007H1013", 1, kMorning), Oral("2171023F2020", 2, kTwice)},
    {Oral("3399008F2021", 1, kMorning)},
    {Oral("3399102F1026", 1, kMorning)},
    {Oral("3399002F4027", 2, kTwice)},
}};
const std::array<Regimen, 2> kHeartFailureRx = {{
    {Oral("2149032F4020", 2, kTwice), Oral("2190041F2023", 2, kTwice)},
    {Oral("2149045F2025", 1, kMorning), Oral("2149032F4020", 2, kTwice)},
}};
const std::array<Regimen, 10> kEpilepsyRx = {{
    {Oral("1139010F2020", 2, kTwice)},
    {Oral("1139010F1024", 4, kTwice)},
    {Oral("1139004G2063", 3, kTwice)},
    {Oral("1139002F1062", 2, kTwice)},
    {Oral("1139009F4020", 2, kTwice)},
    {Oral("1139005F1023", 2, kTwice)},
    {Oral("1139015F2023", 2, kTwice)},
    {Oral("1139010F2020", 2, kTwice), Oral("1139009F3024", 2, kTwice)},
    {Oral("1132002F2041", 3, kThrice), Oral("1125004F1023", 2, kTwice)},
    {Oral("1139003F1040", 2, kTwice), Oral("1139004G2063", 3, kTwice)},
}};
const std::array<Regimen, 10> kDepressionRx = {{
    {Oral("1179046F2024", 1, kMorning)},
    {Oral("1179041G2027", 1, kEvening)},
    {Oral("1179039F2024", 2, kTwice)},
    {Oral("1179040F1136", 2, kTwice), Oral("1179025F1026", 3, kThrice)},
    {Oral("1179037F2025", 1, kBedtime), Oral("1124023F1037", 3, kThrice)},
    {Oral("1179033F1020", 2, kTwice)},
    {Oral("1179046F1028", 1, kMorning), Oral("1124029F1026", 1, kBedtime)},
    {Oral("1179016F1124", 2, kTwice), Oral("1124022F1067", 2, kTwice)},
    {Oral("1179052M1022", 2, kMorning)},
    {Oral("1179054F1022", 1, kEvening), Oral("1190027F2029", 1, kBedtime)},
}};
const std::array<Regimen, 12> kInsomniaRx = {{
    {Oral("1129009F1025", 1, kBedtime)},
    {Oral("1129009F2021", 1, kBedtime)},
    {Oral("1124009F1223", 1, kBedtime)},
    {Oral("1129010F2024", 1, kBedtime)},
    {Oral("1129010F1028", 1, kBedtime)},
    {Oral("1124007F2026", 1, kBedtime)},
    {Oral("1129007F1026", 1, kBedtime)},
    {Oral("1124008F1024", 1, kBedtime)},
    {Oral("1124030F1029", 1, kBedtime)},
    {Oral("1190023F2020", 1, kBedtime)},
    {Oral("1190027F2029", 1, kBedtime)},
    {Oral("1190016F1024", 1, kBedtime)},
}};
const std::array<Regimen, 6> kSchizophreniaRx = {{
    {Oral("1179038F2020", 2, kTwice), Oral("1124009F1223", 1, kBedtime)},
    {Oral("1179044F2025", 2, kBedtime)},
    {Oral("1179045F2020", 2, kTwice)},
    {Oral("1179042F2026", 2, kTwice)},
    {Oral("1179043F2039", 2, kTwice)},
    {Oral("1179020F2038", 2, kTwice), Oral("1179038S1021", 1, "不穏時")},
}};
const std::array<Regimen, 3> kBipolarRx = {{
    {Oral("1179017F2052", 3, kThrice)},
    {Oral("1139004G2063", 3, kTwice), Oral("1179045F1023", 1, kMorning)},
    {Oral("1139009F4020", 2, kTwice)},
}};
const std::array<Regimen, 2> kHypothyroidRx = {{
    {Oral("2431004F1056", 1, kMorning)},
    {Oral("2431004F2052", 2, kMorning)},
}};
const std::array<Regimen, 2> kHyperthyroidRx = {{
    {Oral("2432001F2021", 2, kMorning)},
    {Oral("2432001F1017", 3, kThrice)},
}};
const std::array<Regimen, 5> kParkinsonRx = {{
    {Oral("1169101F1146", 3, kThrice)},
    {Oral("1169101F1120", 3, kThrice), Oral("1169017F2021", 1, kMorning)},
    {Oral("1169100F1087", 3, kThrice)},
    {Oral("1169102F2023", 3, kThrice), Oral("1169015F3029", 1, kMorning)},
    {Oral("1169101F1146", 3, kThrice), Oral("2399005F2023", 3, "1日3回毎食前")},
}};
const std::array<Regimen, 4> kRheumatoidRx = {{
    {Oral("3999016M1021", 4, kMtx), Oral("2456001F1019", 1, kMorning)},
    {Oral("3999016M1021", 4, kMtx)},
    {Oral("4420002F1117", 2, kTwice), Oral("2456001F2015", 3, kMorning)},
    {Oral("2456001F1019", 1, kMorning), Oral("1149037F1020", 2, kTwice)},
}};
const std::array<Regimen, 4> kGoutRx = {{
    {Oral("3949003F2020", 1, kMorning)},
    {Oral("3949003F1023", 1, kMorning)},
    {Oral("3943001F1314", 2, kTwice)},
    {Oral("3949002F2114", 1, kMorning)},
}};
const std::array<Regimen, 4> kOsteoporosisRx = {{
    {Oral("3999018F2036", 1, kWeekly), Oral("3112001F2051", 1, kMorning)},
    {Oral("3999019F2030", 1, kWeekly)},
    {Oral("3112006M2029", 1, kMorning)},
    {Oral("3112001F2051", 1, kMorning)},
}};
const std::array<Regimen, 6> kConstipationRx = {{
    {Oral("2344009F2015", 3, kThrice)},
    {Oral("2344009C1055", 1.2, kThrice)},
    {Oral("2354003F2316", 2, kBedtime)},
    {Oral("2359006M1025", 2, kTwice)},
    {Oral("2359008F1025", 2, "1日1回朝食前")},
    {Oral("2359110B1037", 2, kMorning)},
}};
// Allergic rhinitis (and conjunctivitis): older and second-generation
// antihistamines, with nasal corticosteroids or eye drops for some.
const std::array<Regimen, 11> kAllergicRx = {{
    {Oral("4490003M1263", 2, kTwice)},
    {Oral("4490004F2028", 2, kTwice)},
    {Oral("4413004F1200", 2, kTwice)},
    {Oral("4490002M1315", 3, kThrice)},
    {Oral("4490028F1027", 1, kBedtime)},
    {Oral("4490025F2020", 2, "1日2回朝・就寝前")},
    {Oral("4490033F1028", 1, "1日1回空腹時")},
    {Oral("4490032F1023", 1, kMorning)},
    {Oral("4490027F1022", 1, kMorning), External("1329710Q1027", 4, "1日1回 各鼻腔に2噴霧")},
    {Oral("4490025F2020", 2, "1日2回朝・就寝前"), External("1329711Q1021", 4, "1日1回 各鼻腔に2噴霧")},
    {Oral("4490028F1027", 1, kBedtime), External("1319752Q1024", 0.4, kBothEyes4)},
}};
const std::array<Regimen, 5> kDialysisRx = {{
    {Oral("2190025F1036", 9, kThrice), Oral("3112004M1023", 2, kTwice)},
    {Oral("2190029F3029", 3, "1日3回毎食直後"), Oral("2190016R2021", 5.4, kThrice)},
    {Oral("2190033F1022", 6, "1日3回毎食直後"), Oral("3112001F2051", 1, kMorning)},
    {Oral("2190036F1026", 3, "1日3回毎食直前")},
    {Oral("2190024F1023", 3, "1日3回毎食直後"), Oral("2190025F1028", 6, kThrice)},
}};
const std::array<Regimen, 2> kTransplantRx = {{
    {Oral("3999014M1022", 4, kTwice), Oral("3999017M1026", 6, kTwice), Oral("2456001F1019", 1, kMorning)},
    {Oral("3999004M5024", 2, kTwice), Oral("3999002F2027", 3, kThrice), Oral("2456001F1019", 1, kMorning)},
}};
// Antiretroviral therapy: integrase-inhibitor single-tablet regimens first
// (current Japanese guidelines), then two- and three-drug combinations.
const std::array<Regimen, 12> kHivRx = {{
    {Oral("6250117F1020", 1, kMorning)},
    {Oral("6250117F1020", 1, kMorning)},
    {Oral("6250106F1021", 1, kMorning)},
    {Oral("6250119F1029", 1, kMorning)},
    {Oral("6250115F1020", 1, kMorning)},
    {Oral("6250109F1025", 1, kMorning)},
    {Oral("6250114F1026", 1, kMorning)},
    {Oral("6250118F1024", 1, kMorning)},
    {Oral("6250038F1023", 1, kMorning), Oral("6250111F2029", 1, kMorning)},
    {Oral("6250032F2022", 2, kMorning), Oral("6250111F2029", 1, kMorning)},
    {Oral("6250038F1023", 1, kMorning), Oral("6250102F1031", 1, kMorning)},
    {Oral("6250038F1023", 1, kMorning), Oral("6250006F2020", 1, kMorning)},
}};
// Adult asthma: an inhaled corticosteroid (alone or with a LABA) daily, a
// SABA reliever as needed, and a leukotriene antagonist or theophylline for
// some; one mild regimen without an inhaler.
const std::array<Regimen, 12> kAsthmaRx = {{
    {External("2290803G3020", 1, kInhaleOnce), Reliever("2254700G4037", 4, kAttack)},
    {External("2290801G2025", 4, kInhaleTwiceTwo)},
    {External("2290800G5038", 2, "1日2回 1回1吸入"), Reliever("2259704G9033", 2, kAttack)},
    {External("2290802G2020", 4, kInhaleTwiceTwo), Oral("4490026F2059", 1, kBedtime)},
    {External("2290700G5021", 2, "1日2回 1回1吸入"), Oral("4490026F2059", 1, kBedtime),
     Reliever("2254700G4037", 4, kAttack)},
    {External("2290701G3031", 2, "1日2回 1回1吸入"), Oral("4490026F2040", 1, kBedtime),
     Reliever("2259704G9033", 2, kAttack)},
    {External("2290702G2021", 2, "1日1回夜 1回2吸入"), Reliever("2254700G4037", 4, kAttack)},
    {External("2290705G1029", 1, kInhaleOnce), Oral("4490026F2059", 1, kBedtime)},
    {External("2290804G2029", 1, kInhaleOnce), Reliever("2254700G4037", 4, kAttack)},
    {External("2290806G2028", 1, "1日1回 1回1カプセル吸入"), Reliever("2259704G9033", 2, kAttack)},
    {External("2290803G4027", 1, kInhaleOnce), Oral("2251001F2115", 2, kTwice), Reliever("2254700G4037", 4, kAttack)},
    {Oral("4490026F2059", 1, kBedtime), External("2259707S3023", 1, "1日1回 胸部等に貼付")},
}};
// School-age children (6–14): montelukast chewables, inhaled steroids.
const std::array<Regimen, 5> kAsthmaSchoolRx = {{
    {Oral("4490026F1052", 1, kBedtime)},
    {Oral("4490026F1052", 1, kBedtime), External("2290702G2021", 2, "1日1回夜 1回2吸入")},
    {External("2290800G4031", 2, "1日2回 1回1吸入"), Reliever("2259704G9033", 2, kAttack)},
    {External("2290701G3031", 2, "1日2回 1回1吸入"), Oral("4490026F1052", 1, kBedtime)},
    {Oral("4490026F1052", 1, kBedtime), External("2259707S2027", 1, "1日1回 胸部等に貼付")},
}};
// Preschool children (1–5): montelukast granules, nebulised budesonide.
const std::array<Regimen, 4> kAsthmaPreschoolRx = {{
    {Oral("4490026C1030", 1, kBedtime)},
    {Oral("4490026C1030", 1, kBedtime), Oral("2259004Q1111", 3, "発作時")},
    {External("2290701G4020", 2, "1日2回 ネブライザーで吸入"), Oral("4490026C1030", 1, kBedtime)},
    {Oral("4490026C1030", 1, kBedtime), External("2259707S1020", 1, "1日1回 胸部等に貼付")},
}};
// COPD: a LAMA, LAMA/LABA or triple inhaler daily, a reliever for some.
const std::array<Regimen, 9> kCopdRx = {{
    {External("2259709G2023", 2, "1日1回 1回2吸入")},
    {External("2259806G2028", 1, kInhaleOnce)},
    {External("2259807G2022", 2, "1日1回 1回2吸入"), Reliever("2259704G9033", 2, kAttack)},
    {External("2259805G1027", 1, "1日1回 1回1カプセル吸入")},
    {External("2290804G2029", 1, kInhaleOnce), Reliever("2254700G4037", 4, kAttack)},
    {External("2290805G2023", 4, kInhaleTwiceTwo)},
    {External("2259714G2024", 1, kInhaleOnce), External("2259707S3023", 1, "1日1回 胸部等に貼付")},
    {External("2259808G2027", 4, kInhaleTwiceTwo)},
    {External("2259712G1029", 1, "1日1回 1回1カプセル吸入"), Oral("2251001F2115", 2, kTwice)},
}};
// Reflux and peptic disease: PPIs, vonoprazan, H2 blockers, protectants.
const std::array<Regimen, 10> kGerdRx = {{
    {Oral("2329030F1020", 1, kMorning)},
    {Oral("2329030F2027", 1, kMorning)},
    {Oral("2329029M2023", 1, kMorning)},
    {Oral("2329029M1027", 1, kMorning)},
    {Oral("2329028F1023", 1, kMorning)},
    {Oral("2329023F1020", 1, kMorning)},
    {Oral("2329022H1043", 1, kMorning)},
    {Oral("2325003F2020", 2, kTwice)},
    {Oral("2325003F4031", 2, kTwice), Oral("2329021F1102", 3, kThrice)},
    {Oral("2329023F2027", 1, kMorning), Oral("2329012M1021", 3, kThrice)},
}};
const std::array<Regimen, 7> kDementiaRx = {{
    {Oral("1190012F2022", 1, kMorning)},
    {Oral("1190012F4025", 1, kMorning)},
    {Oral("1190012F6028", 1, kMorning)},
    {Oral("1190018F3026", 1, kMorning)},
    {Oral("1190012F4025", 1, kMorning), Oral("1190018F6025", 1, kEvening)},
    {Oral("1190019F2024", 2, kTwice)},
    {Oral("1190012F2022", 1, kMorning), Oral("1190004F1021", 2, kTwice)},
}};
// Benign prostatic hyperplasia (men).
const std::array<Regimen, 5> kProstateRx = {{
    {Oral("2590008F2022", 1, kMorning)},
    {Oral("2590010F2020", 2, kTwice)},
    {Oral("2590009F2035", 1, kMorning)},
    {Oral("2590016F2027", 1, kMorning)},
    {Oral("2590008F2022", 1, kMorning), Oral("2590014F2028", 1, kMorning)},
}};
// Overactive bladder.
const std::array<Regimen, 4> kBladderRx = {{
    {Oral("2590014F2028", 1, kMorning)},
    {Oral("2590017F1025", 1, kMorning)},
    {Oral("2590011F2024", 1, kMorning)},
    {Oral("2590013F1027", 2, kTwice)},
}};
const std::array<Regimen, 6> kGlaucomaRx = {{
    {External("1319739Q1037", 0.08, kBothEyes1)},
    {External("1319756Q1022", 0.08, kBothEyes1)},
    {External("1319757Q1027", 0.08, kBothEyes1)},
    {External("1319739Q1037", 0.08, kBothEyes1), External("1319702Q2111", 0.16, kBothEyes2)},
    {External("1319756Q1022", 0.08, kBothEyes1), External("1319819Q1020", 0.16, kBothEyes2)},
    {External("1319739Q1037", 0.08, kBothEyes1), External("1319761Q1023", 0.16, kBothEyes2)},
}};
const std::array<Regimen, 3> kDryEyeRx = {{
    {External("1319720Q3078", 0.4, kBothEyes4)},
    {External("1319758Q1021", 0.6, "1日6回 両眼 1回1滴 点眼")},
    {External("1319720Q3078", 0.4, kBothEyes4), External("1315704Q1115", 0.2, kBothEyes2)},
}};
// Knee osteoarthritis and chronic low back pain: oral NSAIDs with gastric
// protection, acetaminophen, tramadol, gabapentinoids, NSAID patches.
const std::array<Regimen, 8> kChronicPainRx = {{
    {Oral("1149037F1020", 2, kTwice), External("2649729S3084", 1, kPatch)},
    {Oral("1149019F1560", 3, kThrice), Oral("2329021F1102", 3, kThrice), External("2649735S3020", 1, kPatch)},
    {Oral("1141007F3023", 3, kThrice)},
    {Oral("1149117F1020", 4, "1日4回毎食後・就寝前"), Oral("2329021F1102", 3, kThrice)},
    {Oral("1190017M2024", 2, kTwice), External("2649729S1154", 2, "1日2回 患部に貼付")},
    {Oral("1190026F2024", 2, kTwice)},
    {External("2649731S1143", 2, "1日2回 患部に貼付")},
    {External("2649734S1074", 1, kPatch), External("2649734Q1069", 3, "1日数回 患部に塗擦")},
}};

}  // namespace

const std::array<ConditionSpec, kCondCount>& Conditions() {
  static const std::array<ConditionSpec, kCondCount> kSpecs = {{
      {kHypertensionRx,
       Clinic::kInternal,
       30,
       {0.01, 0.12, 0.26, 0.42, 0.55, 0.60},
       {0.005, 0.07, 0.18, 0.35, 0.52, 0.60}},
      {kDyslipidemiaRx,
       Clinic::kInternal,
       30,
       {0.01, 0.07, 0.14, 0.20, 0.22, 0.18},
       {0.005, 0.04, 0.15, 0.28, 0.30, 0.22}},
      {kDiabetesRx,
       Clinic::kInternal,
       25,
       {0.004, 0.04, 0.10, 0.16, 0.19, 0.17},
       {0.002, 0.02, 0.05, 0.09, 0.12, 0.12}},
      {kInsulinRx,
       Clinic::kInternal,
       10,
       {0.002, 0.006, 0.012, 0.02, 0.025, 0.02},
       {0.002, 0.004, 0.008, 0.012, 0.015, 0.015}},
      {kAnticoagulationRx,
       Clinic::kInternal,
       45,
       {0, 0.003, 0.008, 0.02, 0.045, 0.07},
       {0, 0.001, 0.003, 0.01, 0.03, 0.06}},
      {kAntiplateletRx,
       Clinic::kInternal,
       45,
       {0, 0.005, 0.015, 0.035, 0.05, 0.05},
       {0, 0.002, 0.006, 0.015, 0.03, 0.04}},
      {kHeartFailureRx, Clinic::kInternal, 50, {0, 0, 0.003, 0.008, 0.02, 0.04}, {0, 0, 0.001, 0.004, 0.012, 0.035}},
      {kEpilepsyRx,
       Clinic::kNeuro,
       1,
       {0.007, 0.007, 0.007, 0.008, 0.009, 0.01},
       {0.006, 0.006, 0.006, 0.007, 0.008, 0.009}},
      {kDepressionRx, Clinic::kPsych, 15, {0.02, 0.03, 0.03, 0.025, 0.02, 0.02}, {0.03, 0.04, 0.04, 0.035, 0.03, 0.03}},
      {kInsomniaRx, Clinic::kInternal, 20, {0.01, 0.03, 0.05, 0.07, 0.10, 0.12}, {0.015, 0.04, 0.06, 0.09, 0.12, 0.14}},
      {kSchizophreniaRx,
       Clinic::kPsych,
       16,
       {0.005, 0.007, 0.007, 0.006, 0.005, 0.003},
       {0.005, 0.007, 0.007, 0.006, 0.005, 0.003}},
      {kBipolarRx,
       Clinic::kPsych,
       18,
       {0.002, 0.003, 0.003, 0.002, 0.002, 0.001},
       {0.003, 0.003, 0.003, 0.002, 0.002, 0.001}},
      {kHypothyroidRx,
       Clinic::kInternal,
       20,
       {0.001, 0.004, 0.006, 0.008, 0.01, 0.01},
       {0.005, 0.02, 0.03, 0.04, 0.045, 0.04}},
      {kHyperthyroidRx,
       Clinic::kInternal,
       15,
       {0.001, 0.001, 0.001, 0.001, 0.001, 0},
       {0.004, 0.004, 0.003, 0.002, 0.001, 0.001}},
      {kParkinsonRx,
       Clinic::kNeuro,
       45,
       {0, 0.0003, 0.001, 0.004, 0.01, 0.015},
       {0, 0.0003, 0.001, 0.004, 0.01, 0.015}},
      {kRheumatoidRx,
       Clinic::kRheum,
       20,
       {0.001, 0.002, 0.004, 0.005, 0.005, 0.004},
       {0.003, 0.008, 0.012, 0.015, 0.015, 0.01}},
      {kGoutRx, Clinic::kInternal, 25, {0.01, 0.06, 0.08, 0.09, 0.09, 0.07}, {0, 0.003, 0.005, 0.008, 0.01, 0.01}},
      {kOsteoporosisRx, Clinic::kInternal, 55, {0, 0, 0.002, 0.01, 0.03, 0.05}, {0, 0, 0.02, 0.08, 0.16, 0.22}},
      {kConstipationRx,
       Clinic::kInternal,
       20,
       {0.003, 0.005, 0.01, 0.03, 0.07, 0.15},
       {0.01, 0.015, 0.02, 0.05, 0.09, 0.18}},
      {kAllergicRx,
       Clinic::kAllergy,
       2,
       {0.03, 0.02, 0.015, 0.01, 0.008, 0.005},
       {0.03, 0.025, 0.02, 0.012, 0.008, 0.005}},
      {kDialysisRx,
       Clinic::kHospital,
       30,
       {0.0003, 0.002, 0.004, 0.007, 0.009, 0.006},
       {0.0001, 0.0008, 0.0015, 0.003, 0.004, 0.003}},
      {kTransplantRx,
       Clinic::kHospital,
       5,
       {0.0002, 0.0004, 0.0005, 0.0004, 0.0002, 0},
       {0.0001, 0.0003, 0.0003, 0.0003, 0.0001, 0}},
      {kHivRx,
       Clinic::kHospital,
       18,
       {0.0002, 0.0004, 0.0003, 0.0002, 0.0001, 0},
       {0.00003, 0.00004, 0.00003, 0.00002, 0, 0}},
      {kAsthmaRx,
       Clinic::kInternal,
       1,
       {0.03, 0.02, 0.02, 0.025, 0.03, 0.03},
       {0.025, 0.03, 0.03, 0.03, 0.03, 0.03},
       {{{6, kAsthmaPreschoolRx}, {15, kAsthmaSchoolRx}}}},
      {kCopdRx, Clinic::kInternal, 45, {0, 0.001, 0.003, 0.008, 0.016, 0.022}, {0, 0.0005, 0.001, 0.002, 0.004, 0.006}},
      {kGerdRx, Clinic::kInternal, 20, {0.01, 0.03, 0.05, 0.07, 0.09, 0.11}, {0.01, 0.03, 0.05, 0.07, 0.10, 0.12}},
      {kDementiaRx, Clinic::kNeuro, 60, {0, 0, 0, 0.003, 0.02, 0.06}, {0, 0, 0, 0.003, 0.025, 0.08}},
      {kProstateRx, Clinic::kUrology, 45, {0, 0.005, 0.03, 0.08, 0.14, 0.18}, {0, 0, 0, 0, 0, 0}},
      {kBladderRx, Clinic::kUrology, 40, {0, 0.002, 0.005, 0.01, 0.02, 0.03}, {0, 0.004, 0.01, 0.02, 0.04, 0.05}},
      {kGlaucomaRx, Clinic::kEye, 35, {0.002, 0.01, 0.02, 0.035, 0.05, 0.06}, {0.002, 0.01, 0.02, 0.035, 0.05, 0.06}},
      {kDryEyeRx, Clinic::kEye, 30, {0.003, 0.005, 0.008, 0.01, 0.015, 0.015}, {0.008, 0.015, 0.02, 0.03, 0.035, 0.03}},
      {kChronicPainRx,
       Clinic::kOrtho,
       35,
       {0.005, 0.015, 0.03, 0.05, 0.07, 0.08},
       {0.005, 0.02, 0.04, 0.07, 0.10, 0.12}},
  }};
  return kSpecs;
}

std::span<const Regimen> RegimensFor(const ConditionSpec& spec, int age) {
  for (const AgeTier& tier : spec.young) {
    if (age < tier.below) return tier.regimens;
  }
  return spec.regimens;
}

std::span<const AcuteEpisode> ChildEpisodes() {
  // Children under 7 (about 14 kg): antipyretics, antihistamines,
  // antiemetics, and paediatric antibiotic granules with a probiotic.
  static const std::array<AcuteEpisode, 14> kChild = {{
      {{Oral("1141007C1075", 0.5, "発熱時")}, 1},
      {{Oral("1141007C1075", 0.5, "発熱時")}, 1},
      {{Oral("1141007C1075", 0.5, "発熱時"), Oral("4419005F1047", 2, kTwice)}, 5},
      {{Oral("4419005F1047", 2, kTwice)}, 5},
      {{Oral("2399005F3020", 2, "1日2回朝夕食前")}, 3},
      {{Oral("2399005F3020", 2, "1日2回朝夕食前"), Oral("2316004B1036", 1.5, kThrice)}, 3},
      {{Oral("6131001C1210", 4.5, kThrice), Oral("2316004B1036", 1.5, kThrice), Oral("1141007C1075", 0.5, "発熱時")},
       5},
      {{Oral("6132015C1103", 1.2, kThrice), Oral("2316004B1036", 1.5, kThrice)}, 5},
      {{Oral("6149003R1143", 2, kTwice), Oral("2316004B1036", 1.5, kThrice)}, 7},
      {{Oral("6149004C1030", 1.4, "1日1回朝食後")}, 3},
      {{Oral("6132016C1027", 1.2, kThrice), Oral("2316004B1036", 1.5, kThrice)}, 5},
      {{Oral("6250021R1024", 1.8, kTwice), Oral("1141007C1075", 0.5, "発熱時")}, 5, 0, true},
      {{Oral("2259004Q1111", 6, kThrice), External("2259707S1020", 1, "1日1回 胸部等に貼付")}, 5},
  }};
  return kChild;
}

std::span<const AcuteEpisode> AdultEpisodes() {
  // Colds, pain, allergies; bacterial infections with 3–7 day antibiotic
  // courses; influenza in season; shingles; eye, skin and stomach episodes.
  static const std::array<AcuteEpisode, 31> kAdult = {{
      {{Oral("1141007F2027", 3, kThrice), Oral("2223001F2099", 6, kThrice), Oral("3327002F1142", 3, kThrice)}, 5},
      {{Oral("1141007F2027", 3, kThrice), Oral("2223001F2099", 6, kThrice)}, 5},
      {{Oral("5200013D1123", 7.5, "1日3回毎食前")}, 5},
      {{Oral("5200013D1123", 7.5, "1日3回毎食前"), Oral("1141007F3023", 1, "発熱時")}, 3},
      {{Oral("1141007F3023", 1, "発熱時"), Oral("2229001F1053", 3, kThrice)}, 5},
      {{Oral("2399005F2023", 3, "1日3回毎食前")}, 3},
      {{Oral("1149019F1560", 3, kThrice)}, 7},
      {{Oral("1149037F1020", 2, kTwice)}, 14},
      {{Oral("4419002F1027", 3, kThrice)}, 7},
      {{Oral("4490004F2028", 2, kTwice)}, 14},
      {{Oral("1149019F1560", 1, "疼痛時")}, 1},
      {{Oral("6131001M2300", 3, kThrice), Oral("1141007F3023", 1, "発熱時")}, 7},
      {{Oral("6149003F2038", 2, kTwice), Oral("1141007F2027", 3, kThrice)}, 7},
      {{Oral("6132015F1037", 3, kThrice), Oral("2316004F1020", 3, kThrice)}, 5},
      {{Oral("6132016F2020", 3, kThrice), Oral("2316020F1029", 3, kThrice)}, 5},
      {{Oral("6132013M2025", 3, kThrice)}, 5},
      {{Oral("6149004F1028", 2, "1日1回朝食後"), Oral("2223001F2099", 6, kThrice)}, 3},
      {{Oral("6132002M2183", 4, "1日4回毎食後・就寝前"), External("2634710M1077", 0.5, "1日2回 患部に塗布")}, 5},
      {{Oral("6241013F3027", 1, kMorning)}, 5, 15},
      {{Oral("6241013F3027", 1, kMorning)}, 3, 15},
      {{Oral("6241017F1022", 2, "1日1回朝食後")}, 5, 15},
      {{Oral("6250021M1027", 2, kTwice), Oral("1141007F3023", 1, "発熱時")}, 5, 0, true},
      {{Oral("6250047F2029", 2, "1回 単回投与"), Oral("1141007F3023", 1, "発熱時")}, 1, 12, true},
      {{External("6250703G1022", 40, "1回 2キット 単回吸入"), Oral("1141007F3023", 1, "発熱時")}, 1, 10, true},
      {{Oral("6250019F1020", 6, kThrice), Oral("1141007F2027", 3, kThrice)}, 7, 20},
      {{Oral("6250046F1028", 2, "1日1回朝食後")}, 7, 20},
      {{Oral("2329030F2027", 1, kMorning)}, 14, 15},
      {{Oral("1149019F1560", 3, kThrice), Oral("2329021F1102", 3, kThrice), External("2649729S2169", 1, kPatch)},
       7,
       15},
      {{External("2649735S3020", 1, kPatch)}, 14, 15},
      {{External("1319742Q2027", 0.3, "1日3回 両眼 1回1滴 点眼")}, 7},
      {{External("2647709M1102", 0.5, "1日2回 患部に塗布")}, 10},
  }};
  return kAdult;
}

}  // namespace akari::fieldkit::gen::internal
