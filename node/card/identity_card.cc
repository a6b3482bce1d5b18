#include "node/card/identity_card.h"

#include <algorithm>

#include "node/card/jpki_card.h"

namespace akari::card {

Result<std::unique_ptr<IdentityCard>> DetectIdentityCard(CardChannel& channel) {
  // One application today. The next-generation card's (仮称)認証AP gets its
  // own probe here, tried before or after JPKI by its AID.
  return jpki::OpenJpkiCard(channel);
}

bool IsWellFormedAuthPin(const crypto::SecretBuffer& pin) {
  const auto s = pin.span();
  return s.size() == 4 && std::all_of(s.begin(), s.end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; });
}

}  // namespace akari::card
