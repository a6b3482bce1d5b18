#include "sync/kana.h"

#include <gtest/gtest.h>

namespace akari::sync {
namespace {

TEST(KanaTest, HiraganaKatakanaAndHalfWidthCompareEqual) {
  const auto expected = KanaSearchKey("ヤマダ タロウ");
  ASSERT_TRUE(expected);
  EXPECT_EQ(KanaSearchKey("やまだ　たろう"), expected);
  EXPECT_EQ(KanaSearchKey("ﾔﾏﾀﾞ ﾀﾛｳ"), expected);
  EXPECT_EQ(KanaSearchKey("ヤマダタロウ"), expected);
  EXPECT_EQ(*expected, "ヤマダタロウ");
}

TEST(KanaTest, SmallKanaAndConfusableSpellingsFold) {
  EXPECT_EQ(KanaSearchKey("キョウコ"), KanaSearchKey("キヨウコ"));
  EXPECT_EQ(KanaSearchKey("ﾊﾟｸ"), KanaSearchKey("パク"));
  EXPECT_EQ(KanaSearchKey("ミヅキ"), KanaSearchKey("ミズキ"));
  EXPECT_EQ(KanaSearchKey("ｳﾞｨｸﾄﾙ"), KanaSearchKey("ヴイクトル"));
}

TEST(KanaTest, RejectsNonKana) {
  EXPECT_FALSE(KanaSearchKey("山田"));
  EXPECT_FALSE(KanaSearchKey("Yamada"));
  EXPECT_FALSE(KanaSearchKey("\xff\xfe"));
  EXPECT_FALSE(KanaSearchKey("ﾞア"));  // a voicing mark with nothing before it
}

}  // namespace
}  // namespace akari::sync
