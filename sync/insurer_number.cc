#include "sync/insurer_number.h"

namespace akari::sync {

int InsurerCheckDigit(std::string_view body) {
  int sum = 0;
  int weight = 2;
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    const int product = (*it - '0') * weight;
    sum += product / 10 + product % 10;
    weight = weight == 2 ? 1 : 2;
  }
  return (10 - sum % 10) % 10;
}

InsurerNumberProblem CheckInsurerNumber(std::string_view number) {
  for (char c : number) {
    if (c < '0' || c > '9') return InsurerNumberProblem::kNotDigits;
  }
  if (number.size() != 6 && number.size() != 8) return InsurerNumberProblem::kWrongLength;
  const std::string_view pref = number.size() == 8 ? number.substr(2, 2) : number.substr(0, 2);
  const int pref_code = (pref[0] - '0') * 10 + (pref[1] - '0');
  if (pref_code < 1 || pref_code > 47) return InsurerNumberProblem::kBadPrefecture;
  if (InsurerCheckDigit(number.substr(0, number.size() - 1)) != number.back() - '0') {
    return InsurerNumberProblem::kBadCheckDigit;
  }
  return InsurerNumberProblem::kNone;
}

std::string DescribeInsurerNumberProblem(InsurerNumberProblem problem, std::string_view number) {
  const std::string n(number);
  switch (problem) {
    case InsurerNumberProblem::kNone:
      return "";
    case InsurerNumberProblem::kWrongLength:
      return "保険者番号 '" + n + "' must have 8 digits (6 for 国民健康保険); check the card again";
    case InsurerNumberProblem::kNotDigits:
      return "保険者番号 '" + n + "' must contain digits only";
    case InsurerNumberProblem::kBadPrefecture:
      return "保険者番号 '" + n + "' has no valid prefecture code (01-47); a digit was probably mistyped";
    case InsurerNumberProblem::kBadCheckDigit:
      return "保険者番号 '" + n + "' fails its check digit (検証番号); a digit was probably mistyped";
  }
  return "invalid 保険者番号";
}

Scheme SchemeOfInsurerNumber(std::string_view number) {
  if (number.size() == 6) {
    return number[2] == '3' ? Scheme::kKokuhoKumiai : Scheme::kKokuho;
  }
  if (number.size() != 8) return Scheme::kOther;
  const std::string_view law = number.substr(0, 2);
  if (law == "01") return Scheme::kKyokaiKenpo;
  if (law == "06") return Scheme::kKenpoKumiai;
  if (law == "31" || law == "32" || law == "33" || law == "34") return Scheme::kKyosai;
  if (law == "39") return Scheme::kKoki;
  return Scheme::kOther;
}

std::string NormalizeDigits(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    // Full-width digits U+FF10..U+FF19 are EF BC 90..99 in UTF-8.
    if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBC) {
      const auto d = static_cast<unsigned char>(text[i + 2]);
      if (d >= 0x90 && d <= 0x99) {
        out.push_back(static_cast<char>('0' + (d - 0x90)));
        i += 3;
        continue;
      }
      if (d == 0x8D) {  // U+FF0D full-width hyphen-minus
        i += 3;
        continue;
      }
    }
    // U+3000 ideographic space is E3 80 80; U+2010..2015 dashes are E2 80 90..95.
    if (c == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x80) {
      i += 3;
      continue;
    }
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
      const auto d = static_cast<unsigned char>(text[i + 2]);
      if (d >= 0x90 && d <= 0x95) {
        i += 3;
        continue;
      }
    }
    if (c == ' ' || c == '-' || c == '\t') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

}  // namespace akari::sync
