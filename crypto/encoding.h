// Base64 (RFC 4648, standard alphabet, padded) for keys and nonces in JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace akari::crypto {

std::string Base64Encode(ByteSpan bytes);

// nullopt on anything that is not canonical padded base64.
std::optional<Bytes> Base64Decode(std::string_view text);

}  // namespace akari::crypto
