#include "fieldkit/errors.h"

#include <string>

namespace akari::fieldkit {
namespace {

class FieldkitCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.fieldkit"; }
  std::string message(int value) const override {
    switch (static_cast<FieldkitErrc>(value)) {
      case FieldkitErrc::kInvalidArgument:
        return "invalid argument";
      case FieldkitErrc::kIo:
        return "input/output error";
      case FieldkitErrc::kCrypto:
        return "cryptographic operation failed";
      case FieldkitErrc::kNotFound:
        return "not found";
    }
    return "unknown fieldkit error";
  }
};

}  // namespace

const std::error_category& FieldkitCategory() {
  static const FieldkitCategoryImpl category;
  return category;
}

}  // namespace akari::fieldkit
