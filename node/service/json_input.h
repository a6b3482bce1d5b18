// Strict validation of API request bodies: a JSON object with only known
// fields, each of the expected type and length, so that every mistake a
// client makes is answered with a 4xx naming the field, and nothing a
// client sends reaches a handler unchecked.
#pragma once

#include <cstddef>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sync/net/http.h"
#include "sync/record.h"

namespace akari::node {

// A refusal: HTTP status, machine code and a message for a person.
struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
  net::Response ToResponse() const { return net::Response::Error(status, code, message); }
};

template <typename T>
using ApiResult = std::expected<T, ApiError>;

inline std::unexpected<ApiError> Refuse(int status, std::string code, std::string message) {
  return std::unexpected(ApiError{status, std::move(code), std::move(message)});
}

enum class FieldType { kString, kBoolean, kInteger };

struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::size_t max_chars = 0;  // strings: maximum length in characters (code points)
};

// Parses the body of `request` as a JSON object holding only the fields in
// `fields`. Refusals: 415 unsupported_media_type (Content-Type is not
// application/json), 400 empty_body, too_deep (nesting deeper than 16),
// malformed_json, not_an_object, unknown_field, missing_field, wrong_type,
// too_long, invalid_text (control characters in a string). An optional
// field sent as null is treated as absent: it is not in the returned object.
ApiResult<nlohmann::json> ParseJsonBody(const net::Request& request, std::span<const FieldSpec> fields);

// A string field, or `fallback` when absent or null.
std::string StringField(const nlohmann::json& body, std::string_view name, std::string fallback = "");

// Parses a date field ("YYYY-MM-DD"). Refusal: 422 invalid_date naming the field.
ApiResult<sync::Date> DateField(const nlohmann::json& body, std::string_view name);

// Number of code points in valid UTF-8 `text`.
std::size_t CountCodePoints(std::string_view text);

}  // namespace akari::node
