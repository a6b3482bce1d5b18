#include "node/card/apdu.h"

#include <cstdio>

#include "crypto/secret_buffer.h"
#include "node/card/errors.h"

namespace akari::card {
namespace {

// GET RESPONSE rounds before a card is taken to be looping: 64 rounds of up
// to 256 bytes is far more than any JPKI answer (a certificate chunk or a
// 256-byte signature).
constexpr int kMaxGetResponseRounds = 64;

std::size_t EncodedSize(const CommandApdu& c) {
  return 4 + (c.data.empty() ? 0 : 1 + c.data.size()) + (c.le ? 1 : 0);
}

void EncodeInto(const CommandApdu& c, std::uint8_t* out) {
  std::size_t n = 0;
  out[n++] = c.cla;
  out[n++] = c.ins;
  out[n++] = c.p1;
  out[n++] = c.p2;
  if (!c.data.empty()) {
    out[n++] = static_cast<std::uint8_t>(c.data.size());
    for (std::uint8_t b : c.data) out[n++] = b;
  }
  if (c.le) out[n] = static_cast<std::uint8_t>(*c.le == 256 ? 0 : *c.le);
}

Result<ResponseApdu> SendOnce(CardChannel& channel, const CommandApdu& command) {
  if (command.data.size() > 255 || (command.le && (*command.le < 1 || *command.le > 256))) {
    return MakeError(CardErrc::kTransmitFailed, "internal error: a command APDU does not fit the short form");
  }
  Result<Bytes> raw;
  if (command.secret) {
    AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer buf, crypto::SecretBuffer::Allocate(EncodedSize(command)));
    EncodeInto(command, buf.data());
    raw = channel.Transmit(buf.span());
  } else {
    raw = channel.Transmit(EncodeApdu(command));
  }
  if (!raw) return std::unexpected(std::move(raw).error());
  if (raw->size() < 2) {
    return MakeError(CardErrc::kBadResponse, "the card answered with " + std::to_string(raw->size()) +
                                                 " byte(s), not a valid response: the card may be faulty or not a "
                                                 "My Number Card");
  }
  ResponseApdu r;
  r.sw = static_cast<std::uint16_t>((*raw)[raw->size() - 2] << 8 | (*raw)[raw->size() - 1]);
  raw->resize(raw->size() - 2);
  r.data = std::move(*raw);
  return r;
}

}  // namespace

Bytes EncodeApdu(const CommandApdu& command) {
  Bytes out(EncodedSize(command));
  EncodeInto(command, out.data());
  return out;
}

Result<ResponseApdu> Transceive(CardChannel& channel, const CommandApdu& command) {
  AKARI_ASSIGN_OR_RETURN(ResponseApdu r, SendOnce(channel, command));
  if (r.sw1() == 0x6C && command.le) {
    // Wrong Le: the card says how many bytes it has; ask again with that.
    // Only a command that asked for data is sent again: a 6Cxx to one that
    // did not (VERIFY) is an answer of an odd card, and sending a PIN twice
    // could spend two tries.
    CommandApdu again = command;
    again.le = r.sw2() == 0 ? 256 : r.sw2();
    AKARI_ASSIGN_OR_RETURN(r, SendOnce(channel, again));
  }
  Bytes data = std::move(r.data);
  for (int round = 0; r.sw1() == 0x61; ++round) {
    if (round == kMaxGetResponseRounds) {
      return MakeError(CardErrc::kBadResponse, "the card keeps announcing more data (61xx) without end");
    }
    const CommandApdu get_response{.cla = 0x00, .ins = 0xC0, .p1 = 0, .p2 = 0, .le = r.sw2() == 0 ? 256 : r.sw2()};
    AKARI_ASSIGN_OR_RETURN(r, SendOnce(channel, get_response));
    data.insert(data.end(), r.data.begin(), r.data.end());
  }
  r.data = std::move(data);
  return r;
}

std::string FormatSw(std::uint16_t sw) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(sw));
  return buf;
}

Result<Bytes> MeteredChannel::Transmit(ByteSpan command) {
  const auto start = std::chrono::steady_clock::now();
  Result<Bytes> r = inner_.Transmit(command);
  card_time_ += std::chrono::steady_clock::now() - start;
  ++apdus_;
  return r;
}

}  // namespace akari::card
