// The identity application of a card, as the verification flow needs it:
// read the user-authentication certificate, ask about the PIN, verify it,
// sign a challenge. Today the JPKI application of the My Number Card
// (jpki_card.h); the next-generation card (ECDSA P-384, other AIDs,
// ../shared/reference/jpki.md §4) is added as another implementation and a
// probe in DetectIdentityCard, without touching callers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret_buffer.h"
#include "node/card/apdu.h"

namespace akari::card {

// What the card says about its user-authentication PIN.
struct PinStatus {
  std::optional<int> tries_left = std::nullopt;  // nullopt when the card does not say (no counter, or already verified)
  bool blocked = false;                          // no tries left: only the city office can reset it
  bool verified = false;                         // the PIN is verified in this session
};

struct ChallengeSignature {
  std::string algorithm;  // crypto::kRsaPkcs1Sha256 for today's cards
  Bytes signature;
};

// Threading: one thread; the object uses the channel it was made with.
class IdentityCard {
 public:
  virtual ~IdentityCard() = default;

  // "jpki" today.
  virtual std::string_view Kind() const = 0;
  // The token label the card reported (e.g. "JPKIAPICCTOKEN2").
  virtual std::string_view TokenLabel() const = 0;

  // The user-authentication certificate (DER). Errors: kSecurityNotSatisfied
  // (this token wants the PIN first: only a smartphone token may; a physical
  // card asking for it is kUnexpectedStatus), kBadResponse,
  // kUnexpectedStatus, channel errors.
  [[nodiscard]] virtual Result<Bytes> ReadAuthCertificate() = 0;

  // The PIN's state without spending a try.
  [[nodiscard]] virtual Result<PinStatus> QueryPin() = 0;

  // Presents `pin` (checked by the caller to be 4 ASCII digits). A wrong PIN
  // is not an error: the status says verified = false and the tries left
  // (blocked when none are). Errors: kPinFormat, kUnexpectedStatus, channel
  // errors.
  [[nodiscard]] virtual Result<PinStatus> VerifyPin(const crypto::SecretBuffer& pin) = 0;

  // Has the card sign `challenge` with its user-authentication key (the
  // card's own hash and padding rules apply: for JPKI, a SHA-256 DigestInfo
  // with PKCS#1 v1.5 padding added by the card). Errors:
  // kSecurityNotSatisfied (PIN not verified), kSigningFailed (the card
  // answered the signing command with another error status word, or with a
  // signature of the wrong length), kBadResponse, kUnexpectedStatus (for the
  // steps before the signing command), channel errors.
  [[nodiscard]] virtual Result<ChallengeSignature> SignChallenge(ByteSpan challenge) = 0;
};

// Finds the identity application on the card behind `channel` by selecting
// it and reading its token label (never by ATR). Errors: kNotIdentityCard,
// kBadResponse, kUnexpectedStatus, channel errors.
[[nodiscard]] Result<std::unique_ptr<IdentityCard>> DetectIdentityCard(CardChannel& channel);

// Whether `pin` is what a JPKI user-authentication PIN can be: 4 ASCII digits.
bool IsWellFormedAuthPin(const crypto::SecretBuffer& pin);

}  // namespace akari::card
