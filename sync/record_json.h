// The JSON form of a PersonRecord: the hub's import format (one object per
// line, see docs/formats.md) and, as MessagePack, the body of a node's person
// document. Decoding validates every field and names the first bad one.
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "sync/record.h"

namespace akari::sync {

nlohmann::json RecordToJson(const PersonRecord& record);

// Decodes and validates. Error: kInvalidRecord with a message such as
// "person 42: coverages[1].insurer_number: fails its check digit".
[[nodiscard]] Result<PersonRecord> RecordFromJson(const nlohmann::json& j);

std::string_view SchemeName(Scheme s);
std::string_view DispensingSourceName(DispensingSource s);
std::string_view SpecificDiseaseName(SpecificDisease d);

}  // namespace akari::sync
