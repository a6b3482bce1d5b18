// Errors of the local service (category "akari.service"): starting it and
// changing its mode. Request-level refusals are HTTP answers, not Errors.
#pragma once

#include <system_error>

namespace akari::node {

enum class ServiceErrc {
  kInvalidArgument = 1,  // a bad option (listen address, mode, reason)
  kInsecure,             // a setting that would expose data without TLS
  kIo,                   // a file (TLS identity) could not be read or written
  kUnchanged,            // the mode asked for is already in force
};

const std::error_category& ServiceCategory();

inline std::error_code make_error_code(ServiceErrc e) {
  return {static_cast<int>(e), ServiceCategory()};
}

}  // namespace akari::node

template <>
struct std::is_error_code_enum<akari::node::ServiceErrc> : std::true_type {};
