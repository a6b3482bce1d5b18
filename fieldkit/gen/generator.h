// The synthetic-region generator (akari-gen region): a pure function of
// (seed, persons, region, as-of). Each person's whole life (household,
// coverage history, card certificates, regimens, visits, checkups) is
// derived from (seed, person id) alone; --as-of only chooses the window that
// is written: dispensings in the 3 years up to as-of, checkups in the 5
// years, coverages that started on or before as-of (one that ends later is
// shown as current). Moving as-of by a day therefore changes only the
// persons who had an event that day (or whose event left the window).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "fieldkit/gen/tables.h"
#include "fieldkit/test_ca.h"
#include "sync/record.h"

namespace akari::fieldkit::gen {

using sync::Date;

// The synthetic population is anchored at this date (ages follow Japan's
// 2025 pyramid on this day); as-of must lie in [kMinAsOf, kMaxAsOf].
inline constexpr Date kPopulationDate = 20251001;
inline constexpr Date kMinAsOf = 20251001;
inline constexpr Date kMaxAsOf = 20351231;
inline constexpr std::int64_t kMaxPersons = 5'000'000;
inline constexpr int kDispensingYears = 3;
inline constexpr int kCheckupYears = 5;
inline constexpr int kCoverageHistoryYears = 10;

struct RegionOptions {
  std::uint64_t seed = 1;
  std::int64_t persons = 0;
  Date as_of = 0;
  std::string region = std::string(kDefaultRegion);  // a code of Prefectures()
  int threads = 2;                                   // generator threads (output order never depends on it)
};

// Checks the options (the region must be one of Prefectures()). Error:
// FieldkitErrc::kInvalidArgument naming the option.
[[nodiscard]] Status ValidateRegionOptions(const RegionOptions& options);

// The 32-byte seed material of a seed: the national test CA derives from it
// (the same CA for every region generated with that seed), and so do the
// region's persons (see Prefecture::seed_label).
Seed RegionSeedMaterial(std::uint64_t seed);
// The seed the persons, card keys and serials of `prefecture` derive from.
Seed PersonSeedMaterial(std::uint64_t seed, const Prefecture& prefecture);

// Everything a generation step needs; cheap to copy, immutable.
struct GenContext {
  Seed national{};        // RegionSeedMaterial: the test CA
  Seed master{};          // PersonSeedMaterial: everything about persons
  std::uint64_t key = 0;  // 64 bits of `master` for the fast streams
  Date as_of = 0;
  std::int64_t persons = 0;
  std::string issuer_hex;                                         // DER of the region CA's subject Name, hex
  const Prefecture* prefecture = FindPrefecture(kDefaultRegion);  // never null
};
// Builds the context (creates the region CA to learn its name). Errors:
// kCrypto.
[[nodiscard]] Result<GenContext> MakeContext(const RegionOptions& options);

// The number of persons in household `index` (1–6), a function of the key.
int HouseholdSize(const GenContext& ctx, std::uint64_t index);

// Generates the records of household `index` whose first member has id
// `first_id`; members beyond ctx.persons are not generated.
std::vector<sync::PersonRecord> GenerateHousehold(const GenContext& ctx, std::uint64_t index, std::int64_t first_id);

// Calls `sink` for every person 1..persons in ascending id order
// (single-threaded; for tests and tools that want records, not files).
void ForEachPerson(const RegionOptions& options, const std::function<void(sync::PersonRecord&&)>& sink);

// One card certificate in a person's life: the first issuance and each
// renewal (validity ends on the 5th birthday after issuance, jpki.md §1.3).
struct CardIssuance {
  int index = 0;  // 0 first card, 1 first renewal, …
  Bytes serial;   // big-endian, unique in the region
  Date issued = 0;
  Date expires = 0;  // first day no longer valid
  Date revoked = 0;  // 0 if never revoked
};
// The person's card certificates (empty for persons who never get a card).
std::vector<CardIssuance> CardTimeline(const GenContext& ctx, std::int64_t id, Date birth);
// The serial of a certificate no person links to (for `card --unlinked`).
Bytes UnlinkedSerial(const GenContext& ctx, std::int64_t id);
// The opaque 20-character subject CN of a person's certificate.
std::string CardSubjectCn(const GenContext& ctx, std::int64_t id, int index);

// The test CA of a seed (ctx.national), valid 2015-01-01 to 2045-01-01:
// national, so regions generated with one seed share it.
[[nodiscard]] Result<TestCa> RegionCa(const Seed& national);
// A different CA with the same name (for `card --unknown-ca`).
[[nodiscard]] Result<TestCa> UnknownCa(const Seed& national);

struct RegionStats {
  std::int64_t persons = 0;
  std::int64_t households = 0;
  std::int64_t dispensings = 0;
  std::int64_t json_bytes = 0;
  std::int64_t compressed_bytes = 0;
  std::int64_t card_links = 0;
  std::int64_t revoked = 0;
};

// Writes DIR/region.json, persons.ndjson.zst and trust/ (docs/formats.md).
// `out` must not exist or be an empty directory. Errors: kInvalidArgument
// (options, non-empty directory), kIo, kCrypto.
[[nodiscard]] Result<RegionStats> WriteRegion(const RegionOptions& options, const std::filesystem::path& out);

}  // namespace akari::fieldkit::gen
