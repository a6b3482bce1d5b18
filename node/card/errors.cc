#include "node/card/errors.h"

#include <string>

namespace akari::card {
namespace {

class CardCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "akari.card"; }
  std::string message(int value) const override {
    switch (static_cast<CardErrc>(value)) {
      case CardErrc::kServiceUnavailable:
        return "smart-card service not running";
      case CardErrc::kNoReader:
        return "no card reader";
      case CardErrc::kReaderNotFound:
        return "no such card reader";
      case CardErrc::kReaderGone:
        return "card reader unplugged";
      case CardErrc::kNoCard:
        return "no card in the reader";
      case CardErrc::kSeveralCards:
        return "cards in several readers";
      case CardErrc::kCardRemoved:
        return "card removed";
      case CardErrc::kCardBusy:
        return "card in use by another program";
      case CardErrc::kCardUnresponsive:
        return "card does not answer";
      case CardErrc::kTimeout:
        return "card or reader timed out";
      case CardErrc::kNotIdentityCard:
        return "not a My Number Card";
      case CardErrc::kBadResponse:
        return "malformed answer from the card";
      case CardErrc::kUnexpectedStatus:
        return "unexpected status word from the card";
      case CardErrc::kSecurityNotSatisfied:
        return "the card wants the PIN first";
      case CardErrc::kPinBlocked:
        return "PIN blocked";
      case CardErrc::kPinFormat:
        return "PIN is not 4 digits";
      case CardErrc::kTransmitFailed:
        return "card communication failed";
      case CardErrc::kSigningFailed:
        return "the card did not sign";
    }
    return "unknown card error";
  }
};

}  // namespace

const std::error_category& CardCategory() {
  static const CardCategoryImpl category;
  return category;
}

}  // namespace akari::card
