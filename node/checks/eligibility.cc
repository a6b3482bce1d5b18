#include "node/checks/eligibility.h"

#include "sync/record_json.h"

namespace akari::node {
namespace {

std::string_view LossReasonText(sync::LossReason r) {
  switch (r) {
    case sync::LossReason::kNone:
      return "";
    case sync::LossReason::kDeath:
      return "death";
    case sync::LossReason::kWelfare:
      return "public assistance started";
    case sync::LossReason::kOtherInsurance:
      return "moved to another insurer";
    case sync::LossReason::kOther:
      return "other";
  }
  return "";
}

}  // namespace

nlohmann::json CoverageJson(const sync::Coverage& c) {
  return {{"insurer_number", c.insurer_number},
          {"insurer_name", c.insurer_name},
          {"scheme", sync::SchemeName(c.scheme)},
          {"symbol", c.symbol},
          {"number", c.number},
          {"branch", c.branch},
          {"relationship", c.relationship == sync::Relationship::kInsured ? "insured" : "dependent"},
          {"valid_from", sync::FormatDate(c.valid_from)},
          {"valid_to", c.valid_to == 0 ? nlohmann::json(nullptr) : nlohmann::json(sync::FormatDate(c.valid_to))},
          {"loss_reason", static_cast<int>(c.loss_reason)},
          {"copay_percent", c.copay_percent},
          {"high_cost_category", c.high_cost_category}};
}

LocalAnswer EligibilityOn(const sync::PersonRecord& record, sync::Date on) {
  if (const sync::Coverage* c = sync::CoverageOn(record, on)) {
    return {"covered", CoverageJson(*c), "", ""};
  }
  const sync::Coverage* last = nullptr;
  for (const sync::Coverage& c : record.coverages) {
    if (c.valid_from <= on && (last == nullptr || c.valid_from > last->valid_from)) last = &c;
  }
  if (last == nullptr) return {"not_covered", nullptr, "no coverage on record for this date", "no_coverage_on_date"};
  std::string detail = "coverage ended on " + sync::FormatDate(last->valid_to);
  if (last->loss_reason != sync::LossReason::kNone)
    detail += " (" + std::string(LossReasonText(last->loss_reason)) + ")";
  return {"not_covered", CoverageJson(*last), detail, "coverage_ended"};
}

sync::Date TodayInJapan(const Clock& clock) {
  return sync::DateInJapan(clock.Now());
}

}  // namespace akari::node
