#include "node/operators/errors.h"

#include <string>

namespace akari::node {
namespace {

class OperatorCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.operators"; }
  std::string message(int value) const override {
    switch (static_cast<OperatorErrc>(value)) {
      case OperatorErrc::kInvalidArgument:
        return "invalid operator data";
      case OperatorErrc::kExists:
        return "operator id already used";
      case OperatorErrc::kNotFound:
        return "no such operator";
      case OperatorErrc::kWrongPin:
        return "wrong PIN";
      case OperatorErrc::kLocked:
        return "operator locked";
    }
    return "unknown operator error";
  }
};

}  // namespace

const std::error_category& OperatorCategory() {
  static const OperatorCategoryImpl category;
  return category;
}

}  // namespace akari::node
