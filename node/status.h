// What `akari status` and GET /v1/status report about a node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/keystore.h"
#include "node/node_dir.h"
#include "node/store/store.h"
#include "sync/record.h"

namespace akari::node {

struct NodeStatus {
  std::string node_id;
  int schema_version = 0;
  store::StoreCounts counts;
  std::int64_t checks_confirmed = 0;  // answered by the hub, nothing to do
  std::int64_t checks_changed = 0;    // answered by the hub, the claim must change (akari checks report)
  std::vector<crypto::KeySlotInfo> key_slots;
  std::string region;                        // "" until enrolled
  std::string hub_url;                       // "" until enrolled
  std::string mode;                          // "normal" or "disaster"
  std::optional<std::int64_t> data_version;  // nullopt until the first sync
  std::optional<TimePoint> data_created_at;  // the snapshot's signed time (its publication)
  sync::Date data_records_as_of = 0;         // the date its records describe; 0: not known
  std::optional<TimePoint> data_expires_at;
  std::optional<TimePoint> synced_at;
  std::optional<TimePoint> trusted_time;       // newest signed time seen
  std::optional<std::string> tls_fingerprint;  // SHA-256 of the node's TLS certificate, once akari serve made one
  // The disk holding the node's directory: free bytes (nullopt when it
  // cannot be read), the store's bytes (database and WAL), and whether
  // free space is under kLowDiskBytes (node/sync/disk_space.h).
  std::optional<std::int64_t> disk_free_bytes;
  std::int64_t store_bytes = 0;
  bool disk_low = false;
  TimePoint now;
  // Derived for display: data past expiry; local clock behind trusted time.
  bool expired = false;
  bool clock_behind = false;
};

[[nodiscard]] Result<NodeStatus> ReadNodeStatus(OpenNode& node, const Clock& clock);

// Whole days from `records_as_of` (the date a snapshot's records describe)
// to the day `now` is in Japan: the data's age as clinicians are shown it.
std::int64_t RecordsAgeDays(sync::Date records_as_of, TimePoint now);

nlohmann::json NodeStatusToJson(const NodeStatus& status);

// "3 days 4 hours" style text for a duration (English; the UI localises).
std::string DescribeAge(std::chrono::seconds age);

}  // namespace akari::node
