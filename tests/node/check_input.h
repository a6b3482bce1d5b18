// A check of typed insurance numbers as reception makes one, for tests
// that need checks in the queue: clerk1 at facility 1710000001, claiming
// insurer 01170016, answered "covered" by that insurer for `person_id`.
#pragma once

#include <cstdint>

#include "node/checks/check_queue.h"

namespace akari::testing {

inline node::CheckInput NumbersCheckInput(std::int64_t person_id = 42) {
  node::CheckInput in;
  in.method = node::CheckMethod::kInsuranceNumbers;
  in.assurance = node::Assurance::kNumbers;
  in.operator_id = "clerk1";
  in.facility = "1710000001";
  in.claim = {{"insurer_number", "01170016"}};
  in.person_id = person_id;
  in.answer = {"covered", {{"insurer_number", "01170016"}}, "", ""};
  return in;
}

}  // namespace akari::testing
