// Kana normalisation for name search: what staff type (hiragana or
// katakana, full- or half-width, with or without spaces) and what records
// hold must compare equal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace akari::sync {

// Returns the search key for a kana name: full-width katakana, no spaces or
// middle dots, small kana folded to large (old systems store キヨウコ for
// キョウコ), ヂ→ジ and ヅ→ズ (spellings people confuse). nullopt when `text`
// holds anything other than kana, the prolonged sound mark, spaces and dots,
// or is not valid UTF-8.
std::optional<std::string> KanaSearchKey(std::string_view text);

}  // namespace akari::sync
