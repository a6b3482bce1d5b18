// A node to test the local service against: created in a temporary
// directory with SamplePerson records and snapshot metadata, plus
// operators with cheap PIN hashes. Shared by the service tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "crypto/argon2id.h"
#include "node/node_dir.h"
#include "node/operators/operator_store.h"
#include "sync/record.h"
#include "tests/testing/secrets.h"

namespace akari::testing {

inline constexpr const char* kServicePassphrase = "service-test-pass";
// Cheap Argon2id for tests (keystore slots and operator PINs).
inline constexpr const crypto::Argon2idParams& kCheapKdf = kFastArgon2id;
// "Now" in these tests: 2026-11-01 12:00 in Japan. The snapshot was made
// the day before and expires six days later; its records describe
// 2026-10-29.
TimePoint TestNow();
inline constexpr const char* kSnapshotCreated = "2026-10-31T00:00:00Z";
inline constexpr const char* kSnapshotRecordsAsOf = "2026-10-29";
inline constexpr const char* kSnapshotExpires = "2026-11-07T00:00:00Z";

// Creates a node in `dir` holding SamplePerson(1..persons) at data version 7.
node::OpenNode CreateSeededNode(const std::filesystem::path& dir, std::int64_t persons);

// Adds an operator whose PIN is `pin`.
void AddOperator(node::OpenNode& node, const std::string& id, node::Role role, const std::string& pin);

// The body of POST /v1/checks/insurance for `person` as printed on a
// 資格確認書 of `coverage`; by id: SamplePerson(id) and its newest coverage.
nlohmann::json InsuranceNumbersOf(const sync::PersonRecord& person, const sync::Coverage& coverage);
nlohmann::json InsuranceNumbersOf(std::int64_t id);

}  // namespace akari::testing
