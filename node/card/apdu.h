// ISO 7816-4 command/response APDUs and the channel they travel over. A
// CardChannel is the one seam between the card protocol and the transport:
// PC/SC in production, an in-process fake card in unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace akari::card {

// Sends raw APDUs to one card.
// Threading: one thread at a time (like the card itself).
class CardChannel {
 public:
  virtual ~CardChannel() = default;
  // Sends `command` and returns the card's raw answer (data, SW1, SW2).
  // Errors (CardErrc): kCardRemoved, kReaderGone, kCardUnresponsive,
  // kTimeout, kServiceUnavailable, kTransmitFailed.
  [[nodiscard]] virtual Result<Bytes> Transmit(ByteSpan command) = 0;
};

// A short command APDU. `data` is a view: the caller keeps it alive, and a
// command carrying a secret (VERIFY) is encoded into locked memory.
struct CommandApdu {
  std::uint8_t cla = 0x00;
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint8_t p2 = 0;
  ByteSpan data = {};
  std::optional<int> le = std::nullopt;  // 1..256 (256 is sent as 00); nullopt: no Le
  bool secret = false;                   // the data is a PIN: encode in a SecretBuffer
};

struct ResponseApdu {
  Bytes data;
  std::uint16_t sw = 0;
  std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
  std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xff); }
  bool ok() const { return sw == 0x9000; }
};

// The short encoding of `command` (CLA INS P1 P2 [Lc data] [Le]).
Bytes EncodeApdu(const CommandApdu& command);

// Sends `command` and completes it as ISO 7816-4 asks: on 61xx, GET
// RESPONSE (00 C0 00 00 xx) until the card has given everything; on 6Cxx,
// the same command once more with Le = xx. Errors: those of Transmit;
// kBadResponse for an answer shorter than two bytes or endless 61xx.
[[nodiscard]] Result<ResponseApdu> Transceive(CardChannel& channel, const CommandApdu& command);

// "6A82".
std::string FormatSw(std::uint16_t sw);

// A channel that counts APDUs and the time spent waiting for the card
// around another channel (for the node-time/card-time split).
class MeteredChannel final : public CardChannel {
 public:
  explicit MeteredChannel(CardChannel& inner) : inner_(inner) {}
  Result<Bytes> Transmit(ByteSpan command) override;
  int apdus() const { return apdus_; }
  std::chrono::nanoseconds card_time() const { return card_time_; }

 private:
  CardChannel& inner_;
  int apdus_ = 0;
  std::chrono::nanoseconds card_time_{0};
};

}  // namespace akari::card
