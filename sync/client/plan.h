// Choosing what to fetch: the delta chain from the node's version, or the
// snapshot chunks it does not already hold, whichever costs fewer bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sync/publication/manifest.h"

namespace akari::sync::client {

// What a node holds besides its version.
struct HeldState {
  std::optional<std::int64_t> data_version;
  std::set<std::string> chunk_ids;  // snapshot chunks its persons equal
  std::set<std::uint32_t> dictionary_ids;
  std::set<std::string> trust_ids;  // plaintext ids of its trust material
  std::set<std::string> staged;     // object hashes already downloaded and checked
};

struct SyncPlan {
  enum class Mode { kDelta, kFull };
  Mode mode = Mode::kFull;
  // kDelta: the deltas to apply, in order.
  std::vector<publication::DeltaRef> chain;
  // kFull: chunks to fetch and insert; held chunks to drop (by id, with
  // their id ranges known to the node). `replace_all` when the node holds
  // no usable chunk list: every person is deleted first.
  std::vector<publication::ChunkRef> chunks;
  std::vector<std::string> drop_chunk_ids;
  bool replace_all = false;
  std::vector<publication::DictionaryRef> dictionaries;  // missing ones
  bool replace_trust = false;
  std::vector<publication::ObjectRef> objects;  // everything to download (deduplicated)
  std::int64_t bytes_to_fetch = 0;              // not yet staged
  std::int64_t delta_bytes = -1;                // the chain's cost, -1 when no chain exists
  std::int64_t full_bytes = 0;                  // the chunks' cost
};

SyncPlan PlanSync(const publication::Manifest& manifest, const HeldState& held);

// The persons the plan's objects write by the manifest's counts: its
// deltas' upserts, or its chunks' persons. The counts are the hub's (each
// at most kMaxCount, but a chain has up to 10,000 deltas): a sum past
// int64 stays at INT64_MAX.
std::int64_t PersonsToWrite(const SyncPlan& plan);

// The same choice with the delta chain ruled out (after a chain failed).
SyncPlan PlanFullSync(const publication::Manifest& manifest, const HeldState& held);

}  // namespace akari::sync::client
