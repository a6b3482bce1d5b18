#include "base/errors.h"

#include <string>

namespace akari {
namespace {

class BaseCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.base"; }
  std::string message(int value) const override {
    switch (static_cast<BaseErrc>(value)) {
      case BaseErrc::kIo:
        return "input/output error";
      case BaseErrc::kNotFound:
        return "not found";
      case BaseErrc::kInvalidInput:
        return "invalid input";
      case BaseErrc::kExists:
        return "already exists";
      case BaseErrc::kBusy:
        return "busy";
    }
    return "unknown base error";
  }
};

}  // namespace

const std::error_category& BaseCategory() {
  static const BaseCategoryImpl category;
  return category;
}

}  // namespace akari
