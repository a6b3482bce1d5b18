#include "node/service/errors.h"

#include <string>

namespace akari::node {
namespace {

class ServiceCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.service"; }
  std::string message(int value) const override {
    switch (static_cast<ServiceErrc>(value)) {
      case ServiceErrc::kInvalidArgument:
        return "invalid service option";
      case ServiceErrc::kInsecure:
        return "insecure service setting";
      case ServiceErrc::kIo:
        return "service file error";
      case ServiceErrc::kUnchanged:
        return "mode unchanged";
    }
    return "unknown service error";
  }
};

}  // namespace

const std::error_category& ServiceCategory() {
  static const ServiceCategoryImpl category;
  return category;
}

}  // namespace akari::node
