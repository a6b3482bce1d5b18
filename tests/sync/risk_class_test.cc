#include "sync/risk_class.h"

#include <gtest/gtest.h>

namespace akari::sync {
namespace {

TEST(RiskClassTest, ClassifiesByYjPrefix) {
  EXPECT_EQ(ClassifyMedicine("2492416G2024", "インスリン グラルギン"), std::vector<RiskClass>{RiskClass::kInsulin});
  EXPECT_EQ(ClassifyMedicine("3332001F1010", "ワルファリンカリウム"),
            std::vector<RiskClass>{RiskClass::kAnticoagulant});
  EXPECT_EQ(ClassifyMedicine("3399007H1021", "アスピリン"), std::vector<RiskClass>{RiskClass::kAntiplatelet});
  EXPECT_EQ(ClassifyMedicine("1139010F1020", "レベチラセタム"), std::vector<RiskClass>{RiskClass::kAntiepileptic});
  EXPECT_EQ(ClassifyMedicine("2456001F1310", "プレドニゾロン"), std::vector<RiskClass>{RiskClass::kSteroid});
  EXPECT_TRUE(ClassifyMedicine("2171022F1020", "アムロジピンベシル酸塩").empty());
}

TEST(RiskClassTest, CatchAllClassesNeedTheIngredient) {
  EXPECT_EQ(ClassifyMedicine("3999014M1020", "タクロリムス水和物"),
            std::vector<RiskClass>{RiskClass::kImmunosuppressant});
  EXPECT_TRUE(ClassifyMedicine("3999014M1020", "なにか別の薬").empty());
  EXPECT_TRUE(ClassifyMedicine("2699710M1020", "タクロリムス水和物").empty());  // ointment
  EXPECT_EQ(ClassifyMedicine("6250047F1020", "ドルテグラビルナトリウム"),
            std::vector<RiskClass>{RiskClass::kAntiretroviral});
  EXPECT_TRUE(ClassifyMedicine("6250021F1020", "バラシクロビル塩酸塩").empty());
}

TEST(RiskClassTest, AntiretroviralsIncludeLamivudineButNotHepatitisBProducts) {
  EXPECT_EQ(ClassifyMedicine("6250006F2020", "ラミブジン"), std::vector<RiskClass>{RiskClass::kAntiretroviral});
  EXPECT_EQ(ClassifyMedicine("6250013F1023", "ネビラピン"), std::vector<RiskClass>{RiskClass::kAntiretroviral});
  EXPECT_EQ(ClassifyMedicine("6250024F1021", "テノホビル ジソプロキシルフマル酸塩"),
            std::vector<RiskClass>{RiskClass::kAntiretroviral});        // ビリアード (HIV)
  EXPECT_TRUE(ClassifyMedicine("6250020F1023", "ラミブジン").empty());  // ゼフィックス (HBV)
  EXPECT_TRUE(ClassifyMedicine("6250024F1030", "テノホビル ジソプロキシルフマル酸塩").empty());  // テノゼット
  EXPECT_TRUE(ClassifyMedicine("6250045F1023", "テノホビル アラフェナミドフマル酸塩").empty());  // ベムリディ
}

TEST(RiskClassTest, ExternalFormsOfSystemicClassesAreNotFlagged) {
  EXPECT_TRUE(ClassifyMedicine("3339950M1270", "ヘパリン類似物質").empty());  // ヒルドイドソフト軟膏
  EXPECT_EQ(ClassifyMedicine("3339001F1023", "ダビガトランエテキシラート"),
            std::vector<RiskClass>{RiskClass::kAnticoagulant});
  EXPECT_EQ(ClassifyMedicine("3334400A1036", "ヘパリンナトリウム"), std::vector<RiskClass>{RiskClass::kAnticoagulant});
}

TEST(RiskClassTest, OnlyGlp1AgonistsIn2499AreAntidiabetic) {
  EXPECT_EQ(ClassifyMedicine("2499416G1026", "デュラグルチド（遺伝子組換え）"),
            std::vector<RiskClass>{RiskClass::kAntidiabetic});
  EXPECT_TRUE(ClassifyMedicine("2499407G1020", "リュープロレリン酢酸塩").empty());
  EXPECT_TRUE(ClassifyMedicine("2499403A1024", "オクトレオチド酢酸塩").empty());
}

TEST(RiskClassTest, PhosphateBindersMarkDialysisOnlyInTheirClass) {
  EXPECT_EQ(ClassifyMedicine("2190024F1023", "沈降炭酸カルシウム"), std::vector<RiskClass>{RiskClass::kDialysis});
  EXPECT_TRUE(ClassifyMedicine("2344009C1030", "沈降炭酸カルシウム").empty());  // as an antacid
}

TEST(RiskClassTest, OnlyRecentDispensingsCount) {
  PersonRecord r;
  Dispensing d;
  d.date = 20250101;
  d.yj_code = "3332001F1010";
  d.ingredient = "ワルファリンカリウム";
  d.days_or_times = 28;
  r.dispensings.push_back(d);
  EXPECT_EQ(ActiveRiskClasses(r, 20250301), std::vector<RiskClass>{RiskClass::kAnticoagulant});
  EXPECT_TRUE(ActiveRiskClasses(r, 20260101).empty());
  r.specific_diseases.push_back({SpecificDisease::kDialysis, 20200101, 0});
  EXPECT_EQ(ActiveRiskClasses(r, 20260101), std::vector<RiskClass>{RiskClass::kDialysis});
}

}  // namespace
}  // namespace akari::sync
