// Errors of fieldkit (category "akari.fieldkit").
#pragma once

#include <system_error>

namespace akari::fieldkit {

enum class FieldkitErrc {
  kInvalidArgument = 1,  // bad option or input
  kIo,                   // a file could not be read or written
  kCrypto,               // an OpenSSL operation failed
  kNotFound,             // a person, card or file that does not exist
};

const std::error_category& FieldkitCategory();

inline std::error_code make_error_code(FieldkitErrc e) {
  return {static_cast<int>(e), FieldkitCategory()};
}

}  // namespace akari::fieldkit

template <>
struct std::is_error_code_enum<akari::fieldkit::FieldkitErrc> : std::true_type {};
