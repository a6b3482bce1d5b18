// A virtual JPKI application (公的個人認証AP) answering APDUs the way
// ../shared/reference/jpki.md §1 describes a My Number Card: the AIDs, EFs
// 0006/000A/000B/0017/0018, READ BINARY with offsets, the PIN retry counter
// (empty VERIFY, 63Cx, 63C0 then 6984), 6982 when signing without a verified
// PIN, `80 2A 00 80` signing a DigestInfo with PKCS#1 v1.5 padding added by
// the card, and error status words (never a crash) for everything else.
//
// Pure logic: akari-vcard puts it behind pcscd's vpcd driver; unit tests
// talk to it in-process. Test material only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "crypto/openssl.h"
#include "crypto/secret_buffer.h"

namespace akari::fieldkit {

struct VirtualCardOptions {
  crypto::SecretBuffer pin;  // the 4-digit user-authentication PIN (ignored with no_pin)
  bool no_pin = false;       // a face-only card (顔認証マイナンバーカード): no PIN set, VERIFY answers 6984
  int tries = 3;             // tries left at start (1..3)
  bool start_blocked = false;
  bool garbage = false;            // answer every APDU with pseudo-random bytes
  std::uint32_t garbage_seed = 1;  // the same seed gives the same garbage
  bool get_response = false;       // T=0 style: answer data with 61xx and serve it by GET RESPONSE
  bool exact_le = false;           // answer 6Cxx (not 6282) when Le asks for more than the file holds
  std::string token_label = "JPKIAPICCTOKEN2";
};

// Threading: one thread (like a card).
class VirtualJpkiCard {
 public:
  // `key` is what the card signs with: the certificate's key, or another
  // one to emulate a cloned card (right certificate, wrong key).
  VirtualJpkiCard(Bytes cert_der, Bytes ca_der, crypto::EvpPkeyPtr key, VirtualCardOptions options);

  // Power on or reset: no application selected, PIN state dropped. The
  // retry counter is kept (it lives in the chip's memory).
  void Reset();

  // The response (data, SW1, SW2) to one command APDU.
  Bytes Process(ByteSpan command);

  int tries_left() const { return tries_; }
  bool pin_verified() const { return verified_; }

  // The ATR akari-vcard presents (a JPKI contact ATR: never used to detect the card).
  static Bytes DefaultAtr();

  static constexpr int kMaxTries = 3;

 private:
  struct Command;
  static std::optional<Command> Parse(ByteSpan apdu);
  Bytes Dispatch(const Command& c);
  Bytes Select(const Command& c);
  Bytes ReadBinary(const Command& c);
  Bytes Verify(const Command& c);
  Bytes Sign(const Command& c);
  Bytes GetResponse(const Command& c);
  Bytes WithGetResponse(Bytes response);
  Bytes Garbage();
  const Bytes* CurrentFile() const;

  Bytes cert_der_;
  Bytes ca_der_;
  Bytes token_info_;
  crypto::EvpPkeyPtr key_;
  VirtualCardOptions options_;
  int tries_;
  bool ap_selected_ = false;
  std::optional<std::uint16_t> current_ef_;
  bool verified_ = false;
  Bytes pending_;  // data waiting for GET RESPONSE
  std::uint16_t pending_sw_ = 0x9000;
  std::uint32_t rng_;
};

}  // namespace akari::fieldkit
