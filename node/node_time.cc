#include "node/node_time.h"

#include <string>

#include "node/store/meta_keys.h"

namespace akari::node {

Result<std::optional<TimePoint>> ReadTrustedTime(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(std::optional<std::string> text, store.GetMeta(store::meta::kTrustedTime));
  TimePoint t;
  // Only sync writes this value, from a verified manifest; an unreadable
  // one is treated as absent, as before any sync, rather than stopping
  // every check on the node.
  if (!text || !ParseUtc(*text, t)) return std::nullopt;
  return t;
}

Status RaiseToTrustedTime(FloorClock& clock, store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(std::optional<TimePoint> trusted, ReadTrustedTime(store));
  if (trusted) clock.Raise(*trusted);
  return {};
}

}  // namespace akari::node
