// Errors of operator accounts and PIN login (category "akari.operators").
#pragma once

#include <system_error>

namespace akari::node {

enum class OperatorErrc {
  kInvalidArgument = 1,  // a malformed id, name, role or PIN
  kExists,               // the id is taken (also by a removed operator: ids are never reused)
  kNotFound,             // no such operator, or removed
  kWrongPin,             // the PIN does not match
  kLocked,               // too many wrong PINs: locked until a time
};

const std::error_category& OperatorCategory();

inline std::error_code make_error_code(OperatorErrc e) {
  return {static_cast<int>(e), OperatorCategory()};
}

}  // namespace akari::node

template <>
struct std::is_error_code_enum<akari::node::OperatorErrc> : std::true_type {};
