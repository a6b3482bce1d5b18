// A node's time: the system clock, but never earlier than the newest signed
// time the node has seen (a manifest's creation time, store meta
// trusted_time), moved on by the time elapsed since it was read (a
// FloorClock). A node's clock is often wrong in the field (a dead RTC
// battery, a laptop reset to its factory date); signed times from the hub
// are the only times it can trust. Every validity decision uses this time:
// which coverage is in force today, whether the data has expired, whether a
// card's certificate is valid, and the time a check or an audit entry
// carries. Durations measured on the node (sessions, lockouts) do not.
#pragma once

#include <optional>

#include "base/clock.h"
#include "base/result.h"
#include "node/store/store.h"

namespace akari::node {

// The newest signed time this node has seen; nullopt before its first sync.
[[nodiscard]] Result<std::optional<TimePoint>> ReadTrustedTime(store::Store& store);

// Raises `clock`'s floor to the node's trusted time (no change before the
// first sync).
[[nodiscard]] Status RaiseToTrustedTime(FloorClock& clock, store::Store& store);

}  // namespace akari::node
