// `akari-hub import`: reads a generated region (docs/formats.md,
// "Generated region") into the hub store. The input is the whole region
// as of a date; importing again records, per person, what changed since
// the previous import (added, changed, removed) in `person_change`, and
// keeps each person's publication entry (node document + index keys as of
// the region's date) ready for the publisher.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "base/clock.h"
#include "base/result.h"
#include "sync/hub/hub_store.h"
#include "sync/record.h"

namespace akari::sync::hub {

struct ImportOptions {
  // Records the first import trains the document dictionary on.
  std::size_t dictionary_samples = 3000;
  // Train a new dictionary even if one exists (every document is re-encoded).
  bool retrain_dictionary = false;
  // Compress documents without a dictionary (format 1). An import of the
  // hub's own region re-encodes all of its documents so; with `reference`
  // only the imported records are, and the region keeps its dictionary.
  // The next import without this trains a new dictionary (a new id).
  bool no_dictionary = false;
  // zstd level of person documents: 6 measured 14% smaller than 3 with a
  // dictionary at ~90 µs per document (docs/benchmarks.md).
  int document_level = 6;
  // Import another region's records as reference records: used only to
  // answer reconciliation (an evacuee from elsewhere), never published.
  // Their ids become ReferencePersonId(region, id); the hub's as-of date,
  // dictionary and trust material are left as they are.
  bool reference = false;
  // Called every few thousand persons with the count so far.
  std::function<void(std::int64_t persons)> progress;
};

struct ImportSummary {
  std::int64_t import_id = 0;
  Date as_of = 0;
  std::int64_t persons = 0;
  std::int64_t added = 0;
  std::int64_t changed = 0;
  std::int64_t removed = 0;
  std::int64_t reindexed = 0;  // record unchanged, entry changed (new date or dictionary)
  std::int64_t unchanged = 0;
  std::uint32_t dictionary_id = 0;
  bool dictionary_trained = false;
  int trust_items = 0;           // stored for publication: a reference import stores its revocation lists only
  std::string reference_region;  // set for a reference import
};

// Ids of this hub's own persons stay below this; a reference record of
// region RR (a JIS prefecture code, 01-47) with id n is stored as
// RR * kReferenceIdBase + n.
inline constexpr std::int64_t kReferenceIdBase = 10'000'000'000;
std::int64_t ReferencePersonId(int region, std::int64_t id);

// Imports `generated_dir` in one transaction. Errors: kInvalidRecord (a
// record fails validation; the message names the line and field),
// kWrongRegion (the region differs from the hub's; with `reference`: it is
// the hub's own region, or not a prefecture code), kIo, kCorruptDocument
// (region.json or the person stream malformed, ids not ascending or, for
// the hub's own region, not below kReferenceIdBase).
[[nodiscard]] Result<ImportSummary> ImportRegion(HubStore& store, const std::filesystem::path& generated_dir,
                                                 const ImportOptions& options, const Clock& clock);

}  // namespace akari::sync::hub
