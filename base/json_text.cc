#include "base/json_text.h"

#include <nlohmann/json.hpp>

namespace akari {

void JsonText::Double(double v) {
  Separate();
  out_.append(nlohmann::json(v).dump());
}

void JsonText::Tree(const nlohmann::json& j) {
  // Walked here rather than dumped: nlohmann's dump() sets up a serializer
  // (and reads the locale) per call, which cost more than the few members
  // of an audit entry's detail. Objects iterate in key order, as dump()
  // writes them; each value type is written as dump() writes it.
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      BeginObject();
      for (const auto& [key, value] : j.items()) {
        Key(key);
        Tree(value);
      }
      EndObject();
      return;
    case nlohmann::json::value_t::array:
      BeginArray();
      for (const nlohmann::json& value : j) Tree(value);
      EndArray();
      return;
    case nlohmann::json::value_t::string:
      String(j.get_ref<const std::string&>());
      return;
    case nlohmann::json::value_t::number_integer:
      Int(j.get<std::int64_t>());
      return;
    case nlohmann::json::value_t::number_unsigned:  // what parsing gives a number >= 0
      Number(j.get<std::uint64_t>());
      return;
    case nlohmann::json::value_t::boolean:
      Bool(j.get<bool>());
      return;
    case nlohmann::json::value_t::null:
      Null();
      return;
    default:  // floating-point numbers, binary, discarded: rare
      Separate();
      out_.append(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
  }
}

void JsonText::QuotedReplacingInvalid(std::string_view v) {
  // As nlohmann's "replace" handler (and so net::Response::Json) writes
  // it: each invalid sequence becomes U+FFFD. Rare: values come from
  // parsed JSON, the store and our own ids.
  out_.append(nlohmann::json(std::string(v)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void JsonText::Escape(unsigned char c) {
  switch (c) {
    case '"':
      out_.append("\\\"");
      return;
    case '\\':
      out_.append("\\\\");
      return;
    case '\b':
      out_.append("\\b");
      return;
    case '\f':
      out_.append("\\f");
      return;
    case '\n':
      out_.append("\\n");
      return;
    case '\r':
      out_.append("\\r");
      return;
    case '\t':
      out_.append("\\t");
      return;
    default: {
      constexpr char kHex[] = "0123456789abcdef";
      const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out_.append(u, sizeof u);
    }
  }
}

bool JsonText::ValidUtf8(std::string_view v) {
  for (std::size_t i = 0; i < v.size();) {
    const auto c = static_cast<unsigned char>(v[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (v.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(v[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace akari
