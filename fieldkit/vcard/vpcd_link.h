// The vsmartcard vpcd protocol (../shared/reference/jpki.md §5): akari-vcard
// connects to the TCP port that pcscd's vpcd driver listens on; every
// message in both directions is a big-endian uint16 length and that many
// bytes. A 1-byte message from vpcd is a control byte (0x00 power off, 0x01
// power on, 0x02 reset, 0x04 get ATR; only 0x04 is answered, with the ATR);
// anything longer is a command APDU, answered with one response APDU.
//
// The card is "inserted" while connected and answering, "removed" when the
// connection is closed (vpcd then reports the slot empty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "fieldkit/vcard/jpki_applet.h"

namespace akari::fieldkit {

// Encodes one vpcd message.
Bytes VpcdFrame(ByteSpan payload);

struct VpcdLinkOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 35963;       // vpcd's CHANNELID (slot 0)
  std::optional<int> remove_after;  // pull the card once, after answering this many APDUs
  bool trace = false;               // log every APDU to stderr (PINs masked)
  Bytes atr = VirtualJpkiCard::DefaultAtr();
};

// Serves `card` until SIGINT/SIGTERM or "quit" on stdin. Commands on stdin,
// one per line: "remove", "insert", "status", "quit"; SIGUSR1 removes and
// SIGUSR2 inserts. Events are printed on stdout, one line each: "ready",
// "connected", "removed", "inserted". Returns the process exit status.
int RunVpcdLink(VirtualJpkiCard& card, const VpcdLinkOptions& options);

}  // namespace akari::fieldkit
