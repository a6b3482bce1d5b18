// libsodium initialisation and randomness.
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"

namespace akari::crypto {

// Initialises libsodium once per process; safe to call from any thread and
// any number of times. Error: kInitFailed.
[[nodiscard]] Status EnsureSodium();

// Fills `out` with cryptographically secure random bytes. Requires
// EnsureSodium() to have succeeded.
void RandomBytes(std::span<std::uint8_t> out);

}  // namespace akari::crypto
