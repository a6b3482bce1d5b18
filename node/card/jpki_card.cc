#include "node/card/jpki_card.h"

#include <algorithm>
#include <optional>
#include <string>

#include "crypto/x509_verify.h"
#include "node/card/errors.h"

namespace akari::card::jpki {
namespace {

constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kInsSign = 0x2A;
constexpr std::uint8_t kP2KeyInCurrentEf = 0x80;
constexpr std::size_t kMaxChunk = 256;
// READ BINARY with a 15-bit offset (P1 bit 8 clear) reaches 32767 bytes.
constexpr std::size_t kMaxCertificateBytes = 0x7FFF;

std::unexpected<Error> Unexpected(std::string_view step, std::uint16_t sw) {
  return MakeError(CardErrc::kUnexpectedStatus, "the card answered " + FormatSw(sw) + " to " + std::string(step) +
                                                    ", which a My Number Card does not; remove the card and try "
                                                    "again, and if it happens again the card may be damaged");
}

// The length of a DER SEQUENCE from its first bytes (tag 30, definite
// length), or nullopt when `head` is not such a header.
std::optional<std::size_t> DerSequenceLength(ByteSpan head) {
  if (head.size() < 2 || head[0] != 0x30) return std::nullopt;
  const std::uint8_t first = head[1];
  if (first < 0x80) return std::size_t{2} + first;
  const std::size_t octets = first & 0x7F;
  if (octets == 0 || octets > 2 || head.size() < 2 + octets) return std::nullopt;
  std::size_t len = 0;
  for (std::size_t i = 0; i < octets; ++i) len = len << 8 | head[2 + i];
  return 2 + octets + len;
}

PinStatus PinFromStatusWord(std::uint16_t sw) {
  PinStatus s;
  if ((sw & 0xFFF0) == 0x63C0) {
    s.tries_left = sw & 0x0F;
    s.blocked = s.tries_left == 0;
  } else if (sw == 0x6983 || sw == 0x6984) {
    s.tries_left = 0;
    s.blocked = true;
  }
  return s;
}

class JpkiCard final : public IdentityCard {
 public:
  explicit JpkiCard(CardChannel& channel) : channel_(channel) {}
  void set_label(std::string label) { label_ = std::move(label); }

  std::string_view Kind() const override { return "jpki"; }
  std::string_view TokenLabel() const override { return label_; }

  Result<Bytes> ReadAuthCertificate() override {
    AKARI_TRY(SelectEf(kEfAuthCert));
    // One 256-byte read brings the DER header with the first chunk, so a
    // separate 4-byte peek (as OpenSC does) is not needed.
    AKARI_ASSIGN_OR_RETURN(Bytes cert, ReadBinary(0, kMaxChunk, "reading the certificate"));
    const std::optional<std::size_t> total = DerSequenceLength(cert);
    if (!total || *total > kMaxCertificateBytes) {
      return MakeError(CardErrc::kBadResponse,
                       "the card's user-authentication certificate (EF 000A) does not start with a DER certificate "
                       "header: the card may be damaged or not a My Number Card");
    }
    while (cert.size() < *total) {
      const std::size_t want = std::min(kMaxChunk, *total - cert.size());
      AKARI_ASSIGN_OR_RETURN(Bytes chunk, ReadBinary(cert.size(), want, "reading the certificate"));
      if (chunk.empty()) {
        return MakeError(CardErrc::kBadResponse, "the card's certificate ends after " + std::to_string(cert.size()) +
                                                     " of " + std::to_string(*total) + " bytes");
      }
      cert.insert(cert.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(std::min(want, chunk.size())));
    }
    cert.resize(*total);
    return cert;
  }

  Result<PinStatus> QueryPin() override {
    AKARI_TRY(SelectEf(kEfAuthPin));
    // VERIFY without data (case 1) asks for the retry counter without
    // spending a try.
    AKARI_ASSIGN_OR_RETURN(ResponseApdu r, Transceive(channel_, {.ins = kInsVerify, .p2 = kP2KeyInCurrentEf}));
    if (r.ok()) return PinStatus{.verified = true};
    if (r.sw == 0x6300) return PinStatus{};  // no retry limit
    const PinStatus s = PinFromStatusWord(r.sw);
    if (s.tries_left) return s;
    return Unexpected("the PIN status query", r.sw);
  }

  Result<PinStatus> VerifyPin(const crypto::SecretBuffer& pin) override {
    if (!IsWellFormedAuthPin(pin)) {
      return MakeError(CardErrc::kPinFormat, "the PIN must be exactly 4 digits; nothing was sent to the card");
    }
    AKARI_TRY(SelectEf(kEfAuthPin));
    AKARI_ASSIGN_OR_RETURN(
        ResponseApdu r,
        Transceive(channel_, {.ins = kInsVerify, .p2 = kP2KeyInCurrentEf, .data = pin.span(), .secret = true}));
    if (r.ok()) {
      // ISO 7816-4: a correct PIN resets the retry counter to its maximum.
      return PinStatus{.tries_left = kAuthPinMaxTries, .verified = true};
    }
    const PinStatus s = PinFromStatusWord(r.sw);
    if (s.tries_left) return s;
    return Unexpected("the PIN", r.sw);
  }

  Result<ChallengeSignature> SignChallenge(ByteSpan challenge) override {
    AKARI_TRY(SelectEf(kEfAuthKey));
    const Bytes digest_info = crypto::Sha256DigestInfo(challenge);
    AKARI_ASSIGN_OR_RETURN(
        ResponseApdu r,
        Transceive(
            channel_,
            {.cla = 0x80, .ins = kInsSign, .p1 = 0x00, .p2 = kP2KeyInCurrentEf, .data = digest_info, .le = 256}));
    if (r.sw == 0x6982) {
      return MakeError(CardErrc::kSecurityNotSatisfied, "the card refused to sign: the PIN is not verified");
    }
    // The card answered but did not sign: kept apart from a failed transmit
    // (no answer at all), because after an accepted PIN it is a failed proof
    // of possession, not a fault to retry.
    if (!r.ok()) {
      return MakeError(CardErrc::kSigningFailed,
                       "the card answered " + FormatSw(r.sw) + " to the signature request instead of signing");
    }
    if (r.data.size() != 256) {
      return MakeError(CardErrc::kSigningFailed, "the card's signature has " + std::to_string(r.data.size()) +
                                                     " bytes instead of 256 (RSA-2048)");
    }
    return ChallengeSignature{std::string(crypto::kRsaPkcs1Sha256), std::move(r.data)};
  }

  Status SelectEf(std::uint16_t fid) {
    if (current_ef_ == fid) return {};
    const std::uint8_t id[2] = {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF)};
    AKARI_ASSIGN_OR_RETURN(ResponseApdu r,
                           Transceive(channel_, {.ins = kInsSelect, .p1 = 0x02, .p2 = 0x0C, .data = ByteSpan(id)}));
    if (!r.ok()) {
      current_ef_.reset();
      if (r.sw == 0x6A82) {
        return MakeError(CardErrc::kNotIdentityCard, "the card's JPKI application has no file " + FormatSw(fid) +
                                                         ": it is not a My Number Card this node can use");
      }
      return Unexpected("selecting file " + FormatSw(fid), r.sw);
    }
    current_ef_ = fid;
    return {};
  }

  Result<Bytes> ReadBinary(std::size_t offset, std::size_t length, std::string_view step) {
    AKARI_ASSIGN_OR_RETURN(ResponseApdu r, Transceive(channel_, {.ins = kInsReadBinary,
                                                                 .p1 = static_cast<std::uint8_t>(offset >> 8),
                                                                 .p2 = static_cast<std::uint8_t>(offset & 0xFF),
                                                                 .le = static_cast<int>(length)}));
    // 6282: end of file reached before Le bytes; the data is still good.
    if (r.ok() || r.sw == 0x6282) {
      if (r.data.size() > length) {
        return MakeError(CardErrc::kBadResponse, "the card sent " + std::to_string(r.data.size()) +
                                                     " bytes where at most " + std::to_string(length) +
                                                     " were asked for");
      }
      return std::move(r.data);
    }
    if (r.sw == 0x6982) {
      // Only smartphone tokens keep the certificate behind the PIN
      // (jpki.md §1.1); a physical card that asks for it does not behave
      // like a My Number Card, and no PIN try is spent on a chip whose
      // certificate was not checked.
      if (label_ != kLabelAndroid && label_ != kLabelIphone) {
        return MakeError(CardErrc::kUnexpectedStatus,
                         "the card answered " + FormatSw(r.sw) + " (PIN required) to " + std::string(step) +
                             ", which a My Number Card shows without a PIN; no PIN was sent. Remove the card and "
                             "try again; if it happens again, keep the card aside and identify the patient another "
                             "way");
      }
      return MakeError(CardErrc::kSecurityNotSatisfied,
                       "this token only shows its certificate after the PIN (a smartphone certificate): "
                       "verify with the PIN");
    }
    if (r.sw == 0x6B00) {
      return MakeError(CardErrc::kBadResponse, "the card's file is shorter than its own header says");
    }
    return Unexpected(step, r.sw);
  }

 private:
  CardChannel& channel_;
  std::string label_;
  std::optional<std::uint16_t> current_ef_;
};

}  // namespace

Result<std::unique_ptr<IdentityCard>> OpenJpkiCard(CardChannel& channel) {
  AKARI_ASSIGN_OR_RETURN(ResponseApdu r,
                         Transceive(channel, {.ins = kInsSelect, .p1 = 0x04, .p2 = 0x0C, .data = kAid}));
  if (r.sw == 0x6A82 || r.sw == 0x6A86 || r.sw == 0x6A81 || r.sw == 0x6D00 || r.sw == 0x6E00 || r.sw == 0x6999) {
    return MakeError(CardErrc::kNotIdentityCard,
                     "the card has no JPKI application: it is not a My Number Card (or it was inserted the wrong way)");
  }
  if (!r.ok()) return Unexpected("selecting the JPKI application", r.sw);
  auto card = std::make_unique<JpkiCard>(channel);
  AKARI_TRY(card->SelectEf(kEfTokenInfo));
  AKARI_ASSIGN_OR_RETURN(Bytes info, card->ReadBinary(0, kTokenLabelBytes, "reading the token label"));
  std::string label(info.begin(), info.end());
  while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.pop_back();
  const bool printable = std::all_of(label.begin(), label.end(), [](char c) { return c > ' ' && c < 0x7F; });
  if (!printable || !label.starts_with("JPKIAP")) {
    return MakeError(CardErrc::kNotIdentityCard,
                     "the card's JPKI application carries no JPKI token label: it is not a My Number Card");
  }
  card->set_label(std::move(label));
  return std::unique_ptr<IdentityCard>(std::move(card));
}

}  // namespace akari::card::jpki
