#include "node/service/json_input.h"

#include <algorithm>
#include <vector>

namespace akari::node {
namespace {

constexpr int kMaxDepth = 16;

std::string_view TypeName(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "a string";
    case FieldType::kBoolean:
      return "true or false";
    case FieldType::kInteger:
      return "an integer";
  }
  return "a value";
}

bool HasType(const nlohmann::json& v, FieldType t) {
  switch (t) {
    case FieldType::kString:
      return v.is_string();
    case FieldType::kBoolean:
      return v.is_boolean();
    case FieldType::kInteger:
      return v.is_number_integer();
  }
  return false;
}

// Nesting depth of JSON text, counted outside strings; stops early.
int NestingDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > kMaxDepth) return max_depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

std::string AllowedList(std::span<const FieldSpec> fields) {
  std::string out;
  for (const FieldSpec& f : fields) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out.empty() ? "none" : out;
}

}  // namespace

std::size_t CountCodePoints(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

ApiResult<nlohmann::json> ParseJsonBody(const net::Request& request, std::span<const FieldSpec> fields) {
  const std::string type = request.headers.Get("Content-Type");
  const std::string_view media = std::string_view(type).substr(0, type.find(';'));
  if (media != "application/json") {
    return Refuse(415, "unsupported_media_type",
                  "send the request body as JSON with the header Content-Type: application/json");
  }
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return Refuse(400, "empty_body", "the request needs a JSON object body");
  if (NestingDepth(request.body) > kMaxDepth)
    return Refuse(400, "too_deep", "the JSON body is nested deeper than " + std::to_string(kMaxDepth) + " levels");
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return Refuse(400, "malformed_json", "the body is not valid JSON (or not valid UTF-8); check quotes and commas");
  }
  if (!body.is_object()) return Refuse(400, "not_an_object", "the body must be a JSON object {...}");
  std::vector<std::string> nulls;
  for (const auto& [key, value] : body.items()) {
    const auto spec = std::find_if(fields.begin(), fields.end(), [&](const FieldSpec& f) { return f.name == key; });
    if (spec == fields.end()) {
      return Refuse(400, "unknown_field",
                    "unknown field \"" + key.substr(0, 64) + "\"; this endpoint accepts: " + AllowedList(fields));
    }
    if (value.is_null() && !spec->required) {
      nulls.push_back(key);
      continue;
    }
    if (!HasType(value, spec->type)) {
      return Refuse(400, "wrong_type", "field \"" + key + "\" must be " + std::string(TypeName(spec->type)));
    }
    if (spec->type == FieldType::kString) {
      const std::string& s = value.get_ref<const std::string&>();
      if (spec->max_chars > 0 && CountCodePoints(s) > spec->max_chars) {
        return Refuse(400, "too_long",
                      "field \"" + key + "\" is longer than " + std::to_string(spec->max_chars) + " characters");
      }
      if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return Refuse(400, "invalid_text", "field \"" + key + "\" contains control characters (such as line breaks)");
      }
    }
  }
  for (const FieldSpec& f : fields) {
    if (f.required && (!body.contains(f.name) || body[std::string(f.name)].is_null()))
      return Refuse(400, "missing_field", "field \"" + std::string(f.name) + "\" is required");
  }
  // An optional field sent as null is a field not sent: handlers read their
  // defaults with json::value(), which throws on a null of another type.
  for (const std::string& key : nulls) body.erase(key);
  return body;
}

std::string StringField(const nlohmann::json& body, std::string_view name, std::string fallback) {
  const auto it = body.find(std::string(name));
  if (it == body.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

ApiResult<sync::Date> DateField(const nlohmann::json& body, std::string_view name) {
  const std::string text = StringField(body, name);
  const sync::Date d = text.size() == 10 ? sync::ParseDate(text) : 0;
  if (d == 0 || !sync::IsValidDate(d)) {
    return Refuse(422, "invalid_date",
                  "field \"" + std::string(name) + "\" must be a real date written YYYY-MM-DD (e.g. 1958-03-12)");
  }
  return d;
}

}  // namespace akari::node
