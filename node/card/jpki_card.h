// The JPKI application (公的個人認証AP) of the My Number Card, as described in
// ../shared/reference/jpki.md §1: identifiers, and the IdentityCard that
// speaks its APDUs. Only short APDUs are used; certificates are read in
// chunks of at most 256 bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/result.h"
#include "node/card/apdu.h"
#include "node/card/identity_card.h"

namespace akari::card::jpki {

inline constexpr std::array<std::uint8_t, 10> kAid = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};

inline constexpr std::uint16_t kEfTokenInfo = 0x0006;   // first 32 bytes: space-padded token label
inline constexpr std::uint16_t kEfCardInfo = 0x0008;    // [RE] which certificates are present
inline constexpr std::uint16_t kEfAuthCert = 0x000A;    // 利用者証明用電子証明書 (no PIN needed to read)
inline constexpr std::uint16_t kEfAuthCaCert = 0x000B;  // its CA: never trusted by the node
inline constexpr std::uint16_t kEfAuthKey = 0x0017;     // user-authentication private key
inline constexpr std::uint16_t kEfAuthPin = 0x0018;     // 4-digit PIN, 3 tries
inline constexpr std::uint16_t kEfSignCert = 0x0001;    // 署名用電子証明書 (needs the signing password)
inline constexpr std::uint16_t kEfSignCaCert = 0x0002;
inline constexpr std::uint16_t kEfSignKey = 0x001A;
inline constexpr std::uint16_t kEfSignPassword = 0x001B;  // 6–16 characters, 5 tries

inline constexpr std::size_t kTokenLabelBytes = 32;
inline constexpr int kAuthPinMaxTries = 3;  // OpenSC JPKI_AUTH_PIN_MAX_TRIES

// Token labels (EF 0006) and what they are.
inline constexpr std::string_view kLabelMyNumberCard = "JPKIAPICCTOKEN2";
inline constexpr std::string_view kLabelJukiCard = "JPKIAPICCTOKEN";  // old 住基カード
inline constexpr std::string_view kLabelAndroid = "JPKIAPGPSETOKEN";  // スマホ用電子証明書 (Android)
inline constexpr std::string_view kLabelIphone = "JPKIAPIOSTOKEN";

// Selects the JPKI application and reads the token label. Errors:
// kNotIdentityCard (no JPKI application, or a label that is not a JPKI
// token), kBadResponse, kUnexpectedStatus, channel errors.
[[nodiscard]] Result<std::unique_ptr<IdentityCard>> OpenJpkiCard(CardChannel& channel);

}  // namespace akari::card::jpki
