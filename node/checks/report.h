// The reconciliation report: every check whose local answer differs from
// the hub's, grouped by what the clinic must do (bill another insurer,
// patient not covered, identity not confirmed), with the data needed to fix
// the claim (レセプト) before it is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "node/store/store.h"
#include "sync/reconcile/protocol.h"

namespace akari::node {

struct ReportEntry {
  std::string check_id;
  std::int64_t seq = 0;
  std::string visited_at;  // the check's time (RFC 3339)
  std::string method;
  std::string assurance;
  std::string operator_id;
  std::optional<std::int64_t> person_id;
  std::string patient_name;  // from the node's record, or as the patient stated (self-reported)
  std::string patient_kana;
  std::string birth_date;
  std::string local_status;       // what the node answered at the visit
  nlohmann::json local_coverage;  // the coverage the node relied on
  sync::reconcile::CheckAnswer answer;
  sync::reconcile::Action action = sync::reconcile::Action::kNone;
};

struct ReconciliationReport {
  std::int64_t total = 0;            // checks in the period
  std::int64_t pending = 0;          // not yet answered by the hub
  std::int64_t confirmed = 0;        // answered, nothing to do
  std::int64_t changed = 0;          // answered, the clinic must act
  std::vector<ReportEntry> entries;  // the changed ones, grouped by action, then by time
};

// Builds the report over checks made at or after `since` (all when nullopt).
// A check counts as changed when the hub's verdict calls for a different
// action from the one the local answer implied (e.g. local "covered" vs hub
// "not_covered"); a local "not covered" confirmed by the hub is not a change.
[[nodiscard]] Result<ReconciliationReport> BuildReconciliationReport(store::Store& store,
                                                                     std::optional<TimePoint> since);

nlohmann::json ReportToJson(const ReconciliationReport& report);
std::string ReportToCsv(const ReconciliationReport& report);
std::string ReportToTable(const ReconciliationReport& report);

// One field of an RFC 4180 CSV line: quoted (with inner quotes doubled)
// when it holds a comma, a quote or a line break, else as it is.
std::string CsvField(std::string_view field);

// The counts only (for `akari status` and GET /v1/status).
struct ReconciliationCounts {
  std::int64_t pending = 0;
  std::int64_t confirmed = 0;
  std::int64_t changed = 0;
};
[[nodiscard]] Result<ReconciliationCounts> CountReconciliation(store::Store& store);

}  // namespace akari::node
