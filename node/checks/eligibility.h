// The node's own eligibility answer: which coverage, if any, a person had
// on a date, from the snapshot it holds. Every way a patient arrives (card,
// insurance numbers, disaster search) ends here, and the answer is recorded
// with the check.
#pragma once

#include <nlohmann/json.hpp>

#include "node/checks/check_queue.h"
#include "sync/record.h"

namespace akari::node {

// The coverage fields a claim needs (保険者番号, 記号, 番号, 枝番, copay …).
nlohmann::json CoverageJson(const sync::Coverage& coverage);

// "covered" with the coverage in force on `on`, or "not_covered" naming the
// last coverage's end date and reason (or that none is on record).
LocalAnswer EligibilityOn(const sync::PersonRecord& record, sync::Date on);

// Today's date (local calendar of Japan, UTC+9) from a clock.
sync::Date TodayInJapan(const Clock& clock);

}  // namespace akari::node
