// `akari-gen card`: issues the deterministic user-authentication key and
// certificate of one linked person of a generated region, as a CARD_DIR
// (cert.der, key.pem, ca.der, person) any JPKI card emulator can present.
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/result.h"

namespace akari::fieldkit::gen {

enum class CardScenario : std::uint8_t {
  kValid,      // the certificate the person's card link names
  kExpired,    // same key and serial, validity ended before as-of
  kUnknownCa,  // same serial, issued by a CA from another seed with the same name
  kUnlinked,   // valid CA, a serial no person links to
};

struct CardRequest {
  std::filesystem::path region_dir;
  std::int64_t person = 0;
  std::filesystem::path out;
  CardScenario scenario = CardScenario::kValid;
};

// Errors: kInvalidArgument (non-empty CARD_DIR, bad region.json), kNotFound
// (unknown person, person without a card link, missing files), kIo, kCrypto.
[[nodiscard]] Status IssueCard(const CardRequest& request);

}  // namespace akari::fieldkit::gen
