#include "sync/db/errors.h"

#include <string>

namespace akari::db {
namespace {

class DbCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.db"; }
  std::string message(int value) const override {
    switch (static_cast<DbErrc>(value)) {
      case DbErrc::kNotFound:
        return "database not found";
      case DbErrc::kNotDecryptable:
        return "database cannot be decrypted";
      case DbErrc::kCorrupt:
        return "database damaged";
      case DbErrc::kTooNew:
        return "database schema newer than this program";
      case DbErrc::kBusy:
        return "database busy";
      case DbErrc::kDiskFull:
        return "disk full";
      case DbErrc::kIo:
        return "input/output error";
      case DbErrc::kConstraint:
        return "constraint failed";
      case DbErrc::kInvalidArgument:
        return "invalid argument";
      case DbErrc::kSqlite:
        return "database error";
    }
    return "unknown store error";
  }
};

}  // namespace

const std::error_category& DbCategory() {
  static const DbCategoryImpl category;
  return category;
}

}  // namespace akari::db
