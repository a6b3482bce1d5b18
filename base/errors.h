// Errors of the base layer: files and input parsing shared by every module.
#pragma once

#include <system_error>

namespace akari {

enum class BaseErrc {
  kIo = 1,        // a file could not be read or written
  kNotFound,      // a file or directory does not exist
  kInvalidInput,  // input did not parse or failed validation
  kExists,        // the target already exists
  kBusy,          // another process holds a lock the caller needs
};

const std::error_category& BaseCategory();

inline std::error_code make_error_code(BaseErrc e) {
  return {static_cast<int>(e), BaseCategory()};
}

}  // namespace akari

template <>
struct std::is_error_code_enum<akari::BaseErrc> : std::true_type {};
