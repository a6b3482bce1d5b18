#include "sync/errors.h"

#include <string>

namespace akari::sync {
namespace {

class SyncCategoryImpl : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.sync"; }
  std::string message(int value) const override {
    switch (static_cast<SyncErrc>(value)) {
      case SyncErrc::kInvalidRecord:
        return "invalid record";
      case SyncErrc::kCorruptDocument:
        return "corrupt document";
      case SyncErrc::kCompression:
        return "compression error";
      case SyncErrc::kBadSignature:
        return "bad signature";
      case SyncErrc::kUnknownKey:
        return "signed by an unknown key";
      case SyncErrc::kRolledBack:
        return "rollback refused";
      case SyncErrc::kWrongRegion:
        return "wrong region";
      case SyncErrc::kExpired:
        return "expired";
      case SyncErrc::kNoEnvelope:
        return "no envelope for this node";
      case SyncErrc::kObjectMismatch:
        return "object failed verification";
      case SyncErrc::kMixAndMatch:
        return "inconsistent metadata";
      case SyncErrc::kUnreachable:
        return "source unreachable";
      case SyncErrc::kHttp:
        return "HTTP error";
      case SyncErrc::kTimeout:
        return "timed out";
      case SyncErrc::kIo:
        return "input/output error";
      case SyncErrc::kClockRolledBack:
        return "clock behind trusted time";
      case SyncErrc::kBadToken:
        return "bad enrollment token";
      case SyncErrc::kInvalidArgument:
        return "invalid argument";
      case SyncErrc::kCancelled:
        return "cancelled";
      case SyncErrc::kDiskFull:
        return "disk full";
      case SyncErrc::kTooLarge:
        return "larger than allowed";
      case SyncErrc::kBusy:
        return "another sync is running";
      case SyncErrc::kConflict:
        return "already exists";
    }
    return "unknown sync error";
  }
};

}  // namespace

const std::error_category& SyncCategory() {
  static const SyncCategoryImpl category;
  return category;
}

}  // namespace akari::sync
