// Small hand-written person records for tests (not the generator's output).
#pragma once

#include <cstdint>
#include <string>

#include "sync/record.h"

namespace akari::testing {

// A person with one past and one current coverage, a few dispensings
// (including insulin) and one checkup. Names and dates vary with `id`.
sync::PersonRecord SamplePerson(std::int64_t id);

// A valid 8-digit insurer number for 法別 `law`, prefecture `pref` and
// insurer serial `serial` (the check digit is computed).
std::string MakeInsurerNumber(int law, int pref, int serial);

}  // namespace akari::testing
