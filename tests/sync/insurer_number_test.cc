#include "sync/insurer_number.h"

#include <gtest/gtest.h>

namespace akari::sync {
namespace {

TEST(InsurerNumberTest, AcceptsPublishedExample) {
  // 千葉県警察共済 33120015: the worked example of the 検証番号 rule.
  EXPECT_EQ(InsurerCheckDigit("3312001"), 5);
  EXPECT_EQ(CheckInsurerNumber("33120015"), InsurerNumberProblem::kNone);
}

TEST(InsurerNumberTest, DetectsEverySingleDigitTypo) {
  const std::string good = "33120015";
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (char d = '0'; d <= '9'; ++d) {
      if (d == good[i]) continue;
      std::string typo = good;
      typo[i] = d;
      EXPECT_NE(CheckInsurerNumber(typo), InsurerNumberProblem::kNone) << typo;
    }
  }
}

TEST(InsurerNumberTest, ReportsEachKindOfProblem) {
  EXPECT_EQ(CheckInsurerNumber("3312001"), InsurerNumberProblem::kWrongLength);
  EXPECT_EQ(CheckInsurerNumber("3312A015"), InsurerNumberProblem::kNotDigits);
  EXPECT_EQ(CheckInsurerNumber("33480019"), InsurerNumberProblem::kBadPrefecture);
  EXPECT_EQ(CheckInsurerNumber("33120016"), InsurerNumberProblem::kBadCheckDigit);
  EXPECT_NE(DescribeInsurerNumberProblem(InsurerNumberProblem::kBadCheckDigit, "33120016").find("検証番号"),
            std::string::npos);
}

TEST(InsurerNumberTest, SixDigitKokuhoNumbersValidate) {
  const std::string body = "17201";
  const std::string number = body + std::to_string(InsurerCheckDigit(body));
  EXPECT_EQ(CheckInsurerNumber(number), InsurerNumberProblem::kNone);
  EXPECT_EQ(SchemeOfInsurerNumber(number), Scheme::kKokuho);
}

TEST(InsurerNumberTest, SchemeFollowsHoubetsuNumber) {
  EXPECT_EQ(SchemeOfInsurerNumber("01170016"), Scheme::kKyokaiKenpo);
  EXPECT_EQ(SchemeOfInsurerNumber("39170000"), Scheme::kKoki);
  EXPECT_EQ(SchemeOfInsurerNumber("06170000"), Scheme::kKenpoKumiai);
  EXPECT_EQ(SchemeOfInsurerNumber("32170000"), Scheme::kKyosai);
}

TEST(InsurerNumberTest, NormalizesFullWidthDigitsAndSeparators) {
  EXPECT_EQ(NormalizeDigits("３３１２ ００１５"), "33120015");
  EXPECT_EQ(NormalizeDigits("12-34\u300056"), "123456");
  EXPECT_EQ(NormalizeDigits("輪島"), "輪島");
}

}  // namespace
}  // namespace akari::sync
