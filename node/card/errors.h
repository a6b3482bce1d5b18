// Errors of card access (category "akari.card"): PC/SC results and card
// status words are translated into these once, where they arise.
#pragma once

#include <system_error>

namespace akari::card {

enum class CardErrc {
  kServiceUnavailable = 1,  // the PC/SC service (pcscd) is not running or stopped
  kNoReader,                // no card reader is connected
  kReaderNotFound,          // the reader named does not exist, or the name fits several readers
  kReaderGone,              // the reader was unplugged while in use
  kNoCard,                  // no card in the reader
  kSeveralCards,            // several readers hold a card and none was named
  kCardRemoved,             // the card was removed (or reset) during the verification
  kCardBusy,                // another program holds the card exclusively
  kCardUnresponsive,        // the card does not answer (mute, unpowered, inserted the wrong way)
  kTimeout,                 // the reader or card did not answer in time
  kNotIdentityCard,         // no JPKI application (or an unknown token label): not a My Number Card
  kBadResponse,             // a malformed answer (too short, wrong length, not DER): a faulty or hostile card
  kUnexpectedStatus,        // a status word the protocol does not allow at this step
  kSecurityNotSatisfied,    // 6982: the card wants the PIN verified first
  kPinBlocked,              // 63C0/6984: the PIN is blocked (reset only at the city office)
  kPinFormat,               // the PIN given is not 4 digits (nothing was sent to the card)
  kTransmitFailed,          // any other PC/SC failure (message names it)
  kSigningFailed,           // the card answered the signing command without a signature (error SW, wrong length)
};

const std::error_category& CardCategory();

inline std::error_code make_error_code(CardErrc e) {
  return {static_cast<int>(e), CardCategory()};
}

}  // namespace akari::card

template <>
struct std::is_error_code_enum<akari::card::CardErrc> : std::true_type {};
