#include "node/status.h"

#include <algorithm>

#include "base/strings.h"
#include "node/checks/report.h"
#include "node/service/tls_identity.h"
#include "node/store/meta_keys.h"
#include "node/sync/disk_space.h"

namespace akari::node {
namespace {

std::optional<TimePoint> MetaTime(const std::optional<std::string>& value) {
  TimePoint t;
  if (value && ParseUtc(*value, t)) return t;
  return std::nullopt;
}

nlohmann::json TimeJson(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(FormatUtc(*t)) : nlohmann::json(nullptr);
}

}  // namespace

std::int64_t RecordsAgeDays(sync::Date records_as_of, TimePoint now) {
  return sync::DaysSinceEpoch(sync::DateInJapan(now)) - sync::DaysSinceEpoch(records_as_of);
}

std::string DescribeAge(std::chrono::seconds age) {
  const auto s = age.count();
  if (s < 0) return "in the future";
  if (s < 120) return std::to_string(s) + " seconds";
  if (s < 7200) return std::to_string(s / 60) + " minutes";
  if (s < 172800) return std::to_string(s / 3600) + " hours";
  return std::to_string(s / 86400) + " days " + std::to_string(s % 86400 / 3600) + " hours";
}

Result<NodeStatus> ReadNodeStatus(OpenNode& node, const Clock& clock) {
  NodeStatus st;
  store::Store& s = node.store;
  st.now = clock.Now();
  st.node_id = node.keystore.node_id();
  AKARI_ASSIGN_OR_RETURN(st.schema_version, s.SchemaVersion());
  AKARI_ASSIGN_OR_RETURN(st.counts, s.Counts());
  AKARI_ASSIGN_OR_RETURN(ReconciliationCounts reconciled, CountReconciliation(s));
  st.checks_confirmed = reconciled.confirmed;
  st.checks_changed = reconciled.changed;
  st.key_slots = node.keystore.slots();
  AKARI_ASSIGN_OR_RETURN(auto region, s.GetMeta(store::meta::kRegion));
  AKARI_ASSIGN_OR_RETURN(auto hub, s.GetMeta(store::meta::kHubUrl));
  AKARI_ASSIGN_OR_RETURN(auto mode, s.GetMeta(store::meta::kMode));
  AKARI_ASSIGN_OR_RETURN(auto version, s.GetMeta(store::meta::kDataVersion));
  AKARI_ASSIGN_OR_RETURN(auto created, s.GetMeta(store::meta::kDataCreatedAt));
  AKARI_ASSIGN_OR_RETURN(auto expires, s.GetMeta(store::meta::kDataExpiresAt));
  AKARI_ASSIGN_OR_RETURN(auto records, s.GetMeta(store::meta::kDataRecordsAsOf));
  AKARI_ASSIGN_OR_RETURN(auto synced, s.GetMeta(store::meta::kSyncedAt));
  AKARI_ASSIGN_OR_RETURN(auto trusted, s.GetMeta(store::meta::kTrustedTime));
  st.region = region.value_or("");
  st.hub_url = hub.value_or("");
  st.mode = mode.value_or("normal");
  if (version) st.data_version = ParseInt64(*version);
  st.data_created_at = MetaTime(created);
  if (records) st.data_records_as_of = sync::ParseDate(*records);
  st.data_expires_at = MetaTime(expires);
  st.synced_at = MetaTime(synced);
  st.trusted_time = MetaTime(trusted);
  // Expiry on the node's time (node/node_time.h): a clock set back must not
  // make expired data look current.
  const TimePoint node_time = st.trusted_time ? std::max(st.now, *st.trusted_time) : st.now;
  st.expired = st.data_expires_at && node_time >= *st.data_expires_at;
  st.clock_behind = st.trusted_time && st.now < *st.trusted_time;
  AKARI_ASSIGN_OR_RETURN(st.tls_fingerprint, NodeTlsFingerprint(node));
  if (auto free = FreeBytes(node.dir)) {
    st.disk_free_bytes = *free;
    st.disk_low = *free < kLowDiskBytes;
  }
  for (const std::string& name : {std::string(kDatabaseFile), std::string(kDatabaseFile) + "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(node.dir / name, ec);
    if (!ec) st.store_bytes += static_cast<std::int64_t>(size);
  }
  return st;
}

nlohmann::json NodeStatusToJson(const NodeStatus& st) {
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& slot : st.key_slots) {
    slots.push_back({{"id", slot.id},
                     {"label", slot.label},
                     {"created", slot.created_utc},
                     {"argon2id", {{"ops_limit", slot.kdf.ops_limit}, {"mem_limit_bytes", slot.kdf.mem_limit_bytes}}}});
  }
  nlohmann::json data = {{"version", st.data_version ? nlohmann::json(*st.data_version) : nlohmann::json(nullptr)},
                         {"created_at", TimeJson(st.data_created_at)},
                         {"expires_at", TimeJson(st.data_expires_at)},
                         {"synced_at", TimeJson(st.synced_at)},
                         {"expired", st.expired}};
  if (st.data_created_at) {
    data["age_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(st.now - *st.data_created_at).count();
  } else {
    data["age_seconds"] = nullptr;
  }
  data["records_as_of"] = nullptr;
  data["records_age_days"] = nullptr;
  if (st.data_records_as_of != 0) {
    data["records_as_of"] = sync::FormatDate(st.data_records_as_of);
    data["records_age_days"] = RecordsAgeDays(st.data_records_as_of, st.now);
  }
  return {{"node_id", st.node_id},
          {"schema_version", st.schema_version},
          {"region", st.region.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.region)},
          {"hub_url", st.hub_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.hub_url)},
          {"mode", st.mode},
          {"data", data},
          {"clock",
           {{"now", FormatUtc(st.now)},
            {"trusted_time", TimeJson(st.trusted_time)},
            {"behind_trusted_time", st.clock_behind}}},
          {"counts",
           {{"persons", st.counts.persons},
            {"card_links", st.counts.card_links},
            {"checks", st.counts.checks},
            {"checks_pending", st.counts.checks_pending},
            {"checks_confirmed", st.checks_confirmed},
            {"checks_changed", st.checks_changed},
            {"audit_entries", st.counts.audit_entries},
            {"operators", st.counts.operators}}},
          {"disk",
           {{"free_bytes", st.disk_free_bytes ? nlohmann::json(*st.disk_free_bytes) : nlohmann::json(nullptr)},
            {"store_bytes", st.store_bytes},
            {"low", st.disk_low}}},
          {"key_slots", slots},
          {"tls_fingerprint", st.tls_fingerprint ? nlohmann::json(*st.tls_fingerprint) : nlohmann::json(nullptr)}};
}

}  // namespace akari::node
