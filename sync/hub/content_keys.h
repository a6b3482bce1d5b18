// The hub's content keys: the current one encrypts every object of a
// publication; a node removal makes the next publish draw a new one.
#pragma once

#include "base/clock.h"
#include "base/result.h"
#include "sync/hub/hub_store.h"
#include "sync/publication/content_key.h"

namespace akari::sync::hub {

// Retires the current key (if any) and stores a fresh one.
[[nodiscard]] Status StoreNewContentKey(HubStore& store, const Clock& clock);

// The current (not retired) key.
[[nodiscard]] Result<publication::ContentKey> CurrentContentKey(HubStore& store);

}  // namespace akari::sync::hub
