#include "sync/kana.h"

#include <array>
#include <cstdint>
#include <vector>

namespace akari::sync {
namespace {

// Half-width katakana U+FF66..U+FF9D to full-width.
constexpr std::array<char32_t, 0xFF9D - 0xFF66 + 1> kHalfToFull = {
    0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3,  // ｦｧｨｩｪｫｬｭｮｯ
    0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1,  // ｰｱｲｳｴｵｶｷｸｹ
    0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6,  // ｺｻｼｽｾｿﾀﾁﾂﾃ
    0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8,  // ﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍ
    0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,  // ﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗ
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,                                  // ﾘﾙﾚﾛﾜﾝ
};

bool Voiceable(char32_t c) {
  return (c >= 0x30AB && c <= 0x30C2 && (c - 0x30AB) % 2 == 0) ||  // カ..チ
         c == 0x30C4 || c == 0x30C6 || c == 0x30C8 ||              // ツテト
         (c >= 0x30CF && c <= 0x30DB && (c - 0x30CF) % 3 == 0);    // ハヒフヘホ
}
bool SemiVoiceable(char32_t c) {
  return c >= 0x30CF && c <= 0x30DB && (c - 0x30CF) % 3 == 0;
}

bool DecodeUtf8(std::string_view s, std::vector<char32_t>& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) return false;
    char32_t c = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (int k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((b & 0xC0) != 0x80) return false;
      c = (c << 6) | (b & 0x3F);
    }
    out.push_back(c);
    i += static_cast<std::size_t>(len);
  }
  return true;
}

void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Folds one full-width katakana to its search form.
char32_t Fold(char32_t c) {
  switch (c) {
    case 0x30A1:
    case 0x30A3:
    case 0x30A5:
    case 0x30A7:
    case 0x30A9:  // ァィゥェォ
    case 0x30C3:
    case 0x30E3:
    case 0x30E5:
    case 0x30E7:
    case 0x30EE:  // ッャュョヮ
      return c + 1;
    case 0x30F5:
      return 0x30AB;  // ヵ → カ
    case 0x30F6:
      return 0x30B1;  // ヶ → ケ
    case 0x30C2:
      return 0x30B8;  // ヂ → ジ
    case 0x30C5:
      return 0x30BA;  // ヅ → ズ
    default:
      return c;
  }
}

}  // namespace

std::optional<std::string> KanaSearchKey(std::string_view text) {
  std::vector<char32_t> in;
  if (!DecodeUtf8(text, in)) return std::nullopt;
  std::vector<char32_t> kata;
  for (char32_t c : in) {
    if (c == U' ' || c == 0x3000 || c == 0x30FB || c == 0xFF65 || c == U'\t') continue;
    if (c >= 0x3041 && c <= 0x3096) c += 0x60;  // hiragana → katakana
    if (c >= 0xFF66 && c <= 0xFF9D) c = kHalfToFull[c - 0xFF66];
    const bool voiced_mark = c == 0xFF9E || c == 0x3099 || c == 0x309B;
    const bool semi_mark = c == 0xFF9F || c == 0x309A || c == 0x309C;
    if (voiced_mark || semi_mark) {
      if (kata.empty()) return std::nullopt;
      char32_t& prev = kata.back();
      if (voiced_mark && prev == 0x30A6) {
        prev = 0x30F4;  // ウ゛ → ヴ
      } else if (voiced_mark && Voiceable(prev)) {
        prev += 1;
      } else if (semi_mark && SemiVoiceable(prev)) {
        prev += 2;
      } else {
        return std::nullopt;
      }
      continue;
    }
    if (!((c >= 0x30A1 && c <= 0x30F6) || c == 0x30FC)) return std::nullopt;
    kata.push_back(c);
  }
  std::string out;
  for (char32_t c : kata) AppendUtf8(out, Fold(c));
  return out;
}

}  // namespace akari::sync
