// Typed, path-reporting access to nlohmann::json values. Used by every
// decoder in sync so that a bad field is reported as "coverages[2].branch:
// expected a string" instead of an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace akari::sync::internal {

// Collects the first error; later reads after an error return defaults, so
// decoders can read a whole object and check ok() once.
class JsonFields {
 public:
  JsonFields(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) Fail("", "expected an object");
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

  const nlohmann::json* Find(std::string_view key) const {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string String(std::string_view key, bool required = true, std::size_t max_bytes = 1024) {
    const nlohmann::json* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "missing");
      return {};
    }
    if (!v->is_string()) {
      Fail(key, "expected a string");
      return {};
    }
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max_bytes) {
      Fail(key, "longer than " + std::to_string(max_bytes) + " bytes");
      return {};
    }
    return s;
  }

  std::int64_t Int(std::string_view key, std::int64_t min, std::int64_t max, bool required = true,
                   std::int64_t fallback = 0) {
    const nlohmann::json* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "missing");
      return fallback;
    }
    if (!v->is_number_integer()) {
      Fail(key, "expected an integer");
      return fallback;
    }
    const std::int64_t value =
        v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX ? INT64_MAX : v->get<std::int64_t>();
    if (value < min || value > max) {
      Fail(key, "out of range " + std::to_string(min) + ".." + std::to_string(max));
      return fallback;
    }
    return value;
  }

  double Number(std::string_view key, double min, double max, bool required = true) {
    const nlohmann::json* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "missing");
      return 0;
    }
    if (!v->is_number()) {
      Fail(key, "expected a number");
      return 0;
    }
    const double value = v->get<double>();
    if (!(value >= min && value <= max)) {
      Fail(key, "out of range");
      return 0;
    }
    return value;
  }

  // A required RFC 3339 UTC time (ParseUtc: the years a TimePoint holds).
  TimePoint Utc(std::string_view key) {
    const std::string text = String(key);
    TimePoint t{};
    if (ok() && !ParseUtc(text, t)) {
      Fail(key, "not an RFC 3339 UTC time in the years " + std::to_string(kMinUtcYear) + " to " +
                    std::to_string(kMaxUtcYear));
    }
    return t;
  }

  bool Bool(std::string_view key, bool required = false) {
    const nlohmann::json* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "missing");
      return false;
    }
    if (!v->is_boolean()) {
      Fail(key, "expected true or false");
      return false;
    }
    return v->get<bool>();
  }

  // An array field (empty when absent and not required).
  const nlohmann::json& Array(std::string_view key, bool required = false, std::size_t max_items = 100000) {
    static const nlohmann::json kEmpty = nlohmann::json::array();
    const nlohmann::json* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "missing");
      return kEmpty;
    }
    if (!v->is_array()) {
      Fail(key, "expected an array");
      return kEmpty;
    }
    if (v->size() > max_items) {
      Fail(key, "more than " + std::to_string(max_items) + " items");
      return kEmpty;
    }
    return *v;
  }

  void Fail(std::string_view key, std::string_view what) {
    if (!error_.empty()) return;
    error_ = path_;
    if (!key.empty()) error_ += (path_.empty() ? "" : ".") + std::string(key);
    error_ += ": " + std::string(what);
  }

  // Adopts a nested decoder's error.
  void Absorb(const JsonFields& nested) {
    if (error_.empty() && !nested.ok()) error_ = nested.error();
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::string error_;
};

}  // namespace akari::sync::internal
