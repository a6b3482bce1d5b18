#include "node/store/errors.h"

#include <string>

namespace akari::store {
namespace {

class StoreCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.store"; }
  std::string message(int value) const override {
    switch (static_cast<StoreErrc>(value)) {
      case StoreErrc::kNotFound:
        return "database not found";
      case StoreErrc::kNotDecryptable:
        return "database cannot be decrypted";
      case StoreErrc::kCorrupt:
        return "database damaged";
      case StoreErrc::kTooNew:
        return "database schema newer than this program";
      case StoreErrc::kBusy:
        return "database busy";
      case StoreErrc::kDiskFull:
        return "disk full";
      case StoreErrc::kIo:
        return "input/output error";
      case StoreErrc::kConstraint:
        return "constraint failed";
      case StoreErrc::kInvalidArgument:
        return "invalid argument";
      case StoreErrc::kSqlite:
        return "database error";
    }
    return "unknown store error";
  }
};

}  // namespace

const std::error_category& StoreCategory() {
  static const StoreCategoryImpl category;
  return category;
}

}  // namespace akari::store
