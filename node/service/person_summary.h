// What a clinician sees about one person (GET /v1/persons/{id}, the
// summary page and its print view): identity, current and past coverage,
// medications grouped by ingredient with the last dispensing and days'
// supply, high-risk classes, checkups with trends, and how old the data is.
// Pure functions: the service and the in-process benchmark call the same
// code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "sync/record.h"

namespace akari::node {

// How current the node's data is (from the store's meta).
struct DataFreshness {
  std::optional<std::int64_t> version;
  std::optional<TimePoint> as_of;       // the snapshot's signed creation time (its publication)
  sync::Date records_as_of = 0;         // the date its records describe; 0: not known (synced before it was kept)
  std::optional<TimePoint> expires_at;  // the snapshot's signed expiry
  TimePoint now;
  bool stale() const { return expires_at && now >= *expires_at; }
};

// {"version", "as_of", "expires_at", "age_seconds", "records_as_of",
// "records_age_days", "stale", "stale_since"}.
nlohmann::json DataFreshnessJson(const DataFreshness& data);

// {"id", "name", "name_kana", "birth_date", "age", "sex", "address"}.
nlohmann::json PersonIdentityJson(const sync::Person& person, sync::Date today);

// "male", "female" or "unset".
std::string_view SexName(sync::Sex sex);

// The whole summary. `today` decides current coverage, ages, supply and
// which medicines are recent (dispensed or still supplied within 120 days).
nlohmann::json PersonSummaryJson(const sync::PersonRecord& record, sync::Date today, const DataFreshness& data);

// The same summary as JSON text, written directly (no tree: the service's
// hot path), byte for byte what net::Response::Json sends for
// PersonSummaryJson(...) (keys in order, invalid UTF-8 replaced by U+FFFD);
// with `access`, that object is added as the member "access".
std::string PersonSummaryText(const sync::PersonRecord& record, sync::Date today, const DataFreshness& data,
                              const nlohmann::json* access = nullptr);

}  // namespace akari::node
